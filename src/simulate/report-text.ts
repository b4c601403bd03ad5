import type { Scorecard } from './scorecard.js';
import { formatMs } from './stats.js';

/** The scorecard as a terminal table, and the one-line progress of a running simulation. */

const pctText = (p: number | null) => (p === null ? '-' : `${p}%`);

export function scorecardTable(sc: Scorecard): string {
  const s = sc.scenario;
  const rows: [string, string][] = [
    ['run', `${sc.scenario.name}, seed ${sc.seed}, ${sc.time.mode === 'speed' ? `${sc.time.speed}× speed` : sc.time.mode + ' time'}, ${sc.state}${sc.stopReason ? ` (${sc.stopReason})` : ''}`],
    ['covered', `${formatMs(sc.elapsedMs)} sandbox time in ${formatMs(sc.realElapsedMs)} real time`],
    ['chats opened', `${sc.chats.opened} (ORDER ${sc.chats.byKind.ORDER}, RETURN ${sc.chats.byKind.RETURN}, DIRECT ${sc.chats.byKind.DIRECT})${sc.chats.capReached ? `, cap of ${sc.chats.maxChats} reached` : ''}`],
    ['buyer messages', `${sc.messages.buyer} (${sc.messages.followUps} follow-ups, ${sc.messages.photos} photos); Market ${sc.messages.market}, support ${sc.messages.support}; seller ${sc.messages.seller}`],
    ['first reply', `p50 ${formatMs(sc.firstReply.p50)}  p95 ${formatMs(sc.firstReply.p95)}  max ${formatMs(sc.firstReply.max)}  (${sc.firstReply.count} chats)`],
    ['every reply', `p50 ${formatMs(sc.reply.p50)}  p95 ${formatMs(sc.reply.p95)}  max ${formatMs(sc.reply.max)}  (${sc.reply.count} answers)`],
    ['answered', `${pctText(sc.questions.answeredPct)} of ${sc.questions.asked} questions; ${sc.questions.answeredLate} late (deadline ${formatMs(s.replyDeadlineMs)})`],
    ['unanswered', `${sc.questions.unansweredPastDeadline} past the deadline, ${sc.questions.pendingWithinDeadline} still within it`],
    ['disputes opened', `${sc.disputes.opened} (ORDER ${sc.disputes.byKind.ORDER}, RETURN ${sc.disputes.byKind.RETURN}); DIRECT buyers who gave up ${sc.disputes.directBuyersGaveUp}`],
    ['API answers', sc.apiAnswers.total === 0 ? 'no partner API calls' : Object.entries(sc.apiAnswers.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ') + `  (errors ${sc.apiAnswers.errors})`],
    [
      'notifications',
      sc.notifications.attempts === 0
        ? `${sc.notifications.events} events, no delivery attempts (${sc.notifications.enabledSubscriptions} enabled subscriptions)`
        : `${pctText(sc.notifications.successPct)} of ${sc.notifications.attempts} attempts delivered; latency p50 ${formatMs(sc.notifications.latencyMs.p50)} p95 ${formatMs(sc.notifications.latencyMs.p95)}; delay p95 ${formatMs(sc.notifications.deliveryDelayMs.p95)}`,
    ],
  ];
  const last = sc.statusOverTime[sc.statusOverTime.length - 1];
  if (last) rows.push(['statuses at end', Object.entries(last.counts).map(([k, v]) => `${k} ${v}`).join(', ') || '-']);
  if (sc.failedActions > 0) rows.push(['refused actions', String(sc.failedActions)]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** `[#####.....] 52%  5m12s/10m00s  chats 21  waiting 3  first reply p95 1.20s  disputes 0  API errors 0` */
export function progressLine(sc: Scorecard, width = 20): string {
  const frac = Math.min(1, sc.elapsedMs / sc.scenario.durationMs);
  const filled = Math.round(frac * width);
  const last = sc.statusOverTime[sc.statusOverTime.length - 1];
  const waiting = sc.unanswered.length;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ` +
    `${formatMs(sc.elapsedMs)}/${formatMs(sc.scenario.durationMs)}  chats ${sc.chats.opened}  waiting ${waiting}  ` +
    `first reply p95 ${formatMs(sc.firstReply.p95)}  disputes ${sc.disputes.opened}  API errors ${sc.apiAnswers.errors}` +
    (last ? `  open ${last.open}` : '')
  );
}
