/** The console's look: compact, in Redoc's middle column, every line and label wrapping rather than clipped. */
export const CONSOLE_CSS = `
.orq-console { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328; margin-top: 16px; }
.orq-console code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.orq-console label { display: block; font-weight: 600; margin: 10px 0 4px; }
.orq-console input[type=text], .orq-console input[type=url], .orq-console input[type=password], .orq-console input[type=number],
.orq-console select, .orq-console textarea { box-sizing: border-box; width: 100%; padding: 6px 8px; border: 1px solid #c9ced6; border-radius: 6px; font: inherit; background: #fff; }
.orq-console textarea.orq-json { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; resize: vertical; }
.orq-server { padding: 12px; border: 1px solid #e1e4e8; border-radius: 8px; background: #f8f9fb; }
.orq-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
.orq-row select, .orq-row input { flex: 1 1 200px; }
.orq-field { margin: 14px 0; padding-bottom: 8px; border-bottom: 1px solid #eef0f3; }
.orq-field.orq-invalid input, .orq-field.orq-invalid textarea, .orq-field.orq-invalid select, .orq-field.orq-invalid .orq-drop { border-color: #cf222e; }
.orq-required { color: #cf222e; font-weight: 400; font-size: 12px; }
.orq-limits { color: #57606a; font-weight: 400; font-size: 12.5px; }
.orq-description { color: #57606a; font-size: 12.5px; margin: 4px 0; }
.orq-nested { margin: 6px 0 0; padding-left: 16px; color: #57606a; }
.orq-nested li { margin: 1px 0; }
.orq-issues { margin: 4px 0 0; padding-left: 16px; color: #cf222e; font-size: 13px; }
.orq-issues:empty { display: none; }
.orq-drop { border: 2px dashed #c9ced6; border-radius: 8px; padding: 14px; text-align: center; }
.orq-drop.orq-over { border-color: #0969da; background: #f0f6ff; }
.orq-drop input[type=file] { position: absolute; width: 1px; height: 1px; opacity: 0; }
.orq-pick { display: inline; color: #0969da; text-decoration: underline; cursor: pointer; font-weight: 400; margin: 0; }
.orq-previews { list-style: none; padding: 0; margin: 8px 0 0; }
.orq-previews li { display: flex; gap: 8px; align-items: center; margin: 4px 0; font-size: 12.5px; overflow-wrap: anywhere; }
.orq-previews img { width: 48px; height: 48px; object-fit: contain; border: 1px solid #e1e4e8; border-radius: 4px; background: #fff; image-rendering: pixelated; flex: none; }
.orq-console button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid #c9ced6; background: #fff; padding: 4px 10px; }
.orq-console button.orq-send { background: #0969da; border-color: #0969da; color: #fff; padding: 6px 18px; font-weight: 600; }
.orq-console button:disabled { opacity: 0.5; cursor: default; }
.orq-small { font-size: 12.5px; }
.orq-state { color: #57606a; }
.orq-answer { margin-top: 12px; padding: 12px; border: 1px solid #e1e4e8; border-radius: 8px; }
.orq-status { font-size: 16px; margin: 0 0 8px; }
.orq-headers { border-collapse: collapse; font-size: 12.5px; width: 100%; table-layout: fixed; }
.orq-headers th, .orq-headers td { text-align: left; vertical-align: top; padding: 2px 6px; border-bottom: 1px solid #eef0f3; overflow-wrap: anywhere; }
.orq-headers th { width: 40%; font-weight: 600; }
.orq-console pre { white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-all; max-height: 320px; overflow: auto; background: #f6f8fa; border-radius: 6px; padding: 8px; font-size: 12px; }
.orq-images { display: flex; flex-wrap: wrap; gap: 12px; }
.orq-images figure { margin: 0; font-size: 12.5px; overflow-wrap: anywhere; max-width: 100%; }
.orq-images img { display: block; max-width: 100%; min-width: 128px; min-height: 128px; object-fit: contain; image-rendering: pixelated; border: 1px solid #e1e4e8; }
.orq-error { color: #cf222e; }
`;
