/**
 * What the proxy says about the traffic: one line per exchange (the request's violations in the mock's words,
 * `request.n: must be <= 10 (got 11)`; the response's drift in describeDrift's, `body.created: the spec says type integer,
 * received "1700000000"`), and a summary when it stops: how many exchanges conformed, and each departure with how
 * often it was seen. Every line is bounded (at most MAX_LISTED_ISSUES departures named, the rest counted) and so is the
 * summary (MAX_TALLIED distinct departures), whatever the traffic.
 */
import { describeDrift, MAX_LISTED_ISSUES, type Drift, type RequestIssue } from '../../contract/issues.js';

const MAX_TALLIED = 50;

export interface ExchangeReport {
  /** 1 for the first exchange. */
  index: number;
  method: string;
  /** The path and query, the key redacted. */
  target: string;
  /** The status the caller got, or what happened instead. */
  outcome: number | 'reset' | 'refused' | 'aborted';
  ms: number;
  /** Not the operation: forwarded without being checked. */
  unchecked?: boolean;
  /** The response was passed on but not checked: why (too large to check, the proxy's limit of copies reached). */
  responseUnchecked?: string;
  /** Responded to by the proxy itself (--strict) instead of forwarded. */
  refusedByProxy?: boolean;
  requestIssues: RequestIssue[];
  drift: Drift[];
  /** Anything else worth a word: the upstream reset, the response was cut at the limit, the cassette's file. */
  notes: string[];
}

export interface ProxySummary {
  exchanges: number;
  conforming: number;
  /** Exchanges whose request broke the spec. */
  requestViolations: number;
  /** Exchanges whose response departed from the spec . */
  responseDrift: number;
  /** Exchanges of the operation whose response was passed on but not checked (ExchangeReport.responseUnchecked). */
  responsesUnchecked: number;
  /** Exchanges without a response from the upstream (reset, refused, cut). */
  upstreamFailures: number;
  refusedByProxy: number;
  cassettes: number;
  /** Each departure seen (request issue or drift, by field and rule) with how many times, most frequent first. */
  departures: { line: string; count: number }[];
  /** Distinct departures not tallied once MAX_TALLIED were. */
  untallied: number;
}

export function exchangeLine(report: ExchangeReport): string {
  const outcome = typeof report.outcome === 'number' ? String(report.outcome) : report.outcome;
  const head = `#${report.index} ${report.method} ${report.target} → ${outcome}${report.refusedByProxy ? ' (refused by the proxy, not forwarded)' : ''} (${report.ms} ms)`;
  if (report.unchecked)
    return `${head}: not the operation, forwarded unchecked${report.notes.length ? `; ${report.notes.join('; ')}` : ''}`;
  const departures = [
    ...report.requestIssues.map((issue) => `request.${issue.field}: ${issue.message}`),
    ...report.drift.map(describeDrift),
  ];
  const shown = departures.slice(0, MAX_LISTED_ISSUES);
  const more = departures.length - shown.length;
  const named = `${departures.length} departure${departures.length === 1 ? '' : 's'} from the spec: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  const responded = typeof report.outcome === 'number';
  const unchecked =
    responded && report.responseUnchecked !== undefined
      ? `response not checked: ${report.responseUnchecked}`
      : undefined;
  const outcomeText =
    departures.length === 0
      ? unchecked
        ? `request conforms, ${unchecked}`
        : responded
          ? 'conforms'
          : 'no response to check'
      : unchecked
        ? `${named}; ${unchecked}`
        : responded
          ? named
          : `${named}; no response to check`;
  return `${head}: ${outcomeText}${report.notes.length ? `; ${report.notes.join('; ')}` : ''}`;
}

/** Counts exchanges and departures as they come, in bounded memory. */
export function createTally() {
  const summary: Omit<ProxySummary, 'departures'> = {
    exchanges: 0,
    conforming: 0,
    requestViolations: 0,
    responseDrift: 0,
    responsesUnchecked: 0,
    upstreamFailures: 0,
    refusedByProxy: 0,
    cassettes: 0,
    untallied: 0,
  };
  const counts = new Map<string, number>();
  const count = (key: string) => {
    if (counts.has(key)) counts.set(key, counts.get(key)! + 1);
    else if (counts.size < MAX_TALLIED) counts.set(key, 1);
    else summary.untallied++;
  };
  return {
    add(report: ExchangeReport, recorded: boolean) {
      summary.exchanges++;
      if (recorded) summary.cassettes++;
      if (report.refusedByProxy) summary.refusedByProxy++;
      if (typeof report.outcome !== 'number') summary.upstreamFailures++;
      if (report.unchecked) return;
      if (report.requestIssues.length > 0) summary.requestViolations++;
      if (report.drift.length > 0) summary.responseDrift++;
      if (report.responseUnchecked !== undefined) summary.responsesUnchecked++;
      else if (report.requestIssues.length === 0 && report.drift.length === 0 && typeof report.outcome === 'number')
        summary.conforming++;
      // Tallied by rule, not by value: "received 17" and "received 18" are one departure seen twice.
      for (const issue of report.requestIssues)
        count(`request.${issue.field}: ${issue.message.replace(/ \(got .*\)$/, '')}`);
      for (const drift of report.drift) count(`${drift.field}: the spec says ${drift.expected}`);
    },
    summary(): ProxySummary {
      const departures = [...counts].map(([line, n]) => ({ line, count: n })).sort((a, b) => b.count - a.count);
      return { ...summary, departures };
    },
  };
}

export function summaryLines(summary: ProxySummary, recordDir?: string): string[] {
  const lines = [
    `proxy: ${summary.exchanges} exchange${summary.exchanges === 1 ? '' : 's'}: ${summary.conforming} conformed, ${summary.requestViolations} with a request the spec refuses, ` +
      `${summary.responseDrift} with a response that departs from the spec, ${summary.upstreamFailures} without a response from the upstream` +
      (summary.refusedByProxy ? `, ${summary.refusedByProxy} refused by --strict` : '') +
      (summary.responsesUnchecked ? `, ${summary.responsesUnchecked} whose response was passed on unchecked` : '') +
      (recordDir !== undefined
        ? `; ${summary.cassettes} cassette${summary.cassettes === 1 ? '' : 's'} recorded in ${recordDir}`
        : ''),
  ];
  for (const { line, count } of summary.departures.slice(0, MAX_LISTED_ISSUES))
    lines.push(`  ${String(count).padStart(5)}× ${line}`);
  const hidden = summary.departures.length - Math.min(summary.departures.length, MAX_LISTED_ISSUES) + summary.untallied;
  if (hidden > 0) lines.push(`  ... and ${hidden} other departure${hidden === 1 ? '' : 's'}`);
  return lines;
}
