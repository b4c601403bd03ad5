import { authenticateStage, businessHeaderStage, businessStage, faultStage, limitsStage, scopeStage, type StageContext } from './partner/stages.js';

/**
 * The partner request pipeline, in the order every call passes it. Fastify drives the steps it
 * owns (rewrite, parse, validate, present, settle); the rest run from this list, in this order,
 * as each partner route's onRequest hook.
 *
 *  1. rewrite       `.json` suffix → same resource            app.ts (stripFormatSuffix, Fastify rewriteUrl)
 *  2. parse         JSON / multipart bodies, size limit       api/body-parsers.ts, api/files.ts
 *  3. authenticate  Api-Key / OAuth → principal (401, 403)    PARTNER_STAGES → api/auth.ts
 *  4. business hdr  X-Business-Id format and match (400)      PARTNER_STAGES → api/auth.ts
 *  5. scope         the key's scopes (403)                     PARTNER_STAGES → api/auth.ts
 *  6. business      path / header / key → one businessId (403) PARTNER_STAGES → api/partner/stages.ts
 *  7. limits        hourly quota + parallel slot (420)        PARTNER_STAGES → limits/limiter.ts
 *  8. faults        injected 500/503/420/delay                PARTNER_STAGES → domain/faults.ts
 *  9. validate      params, query, body (400)                 api/validation.ts (Fastify's validator compiler)
 * 10. handle        the operation                             api/partner/<operation>.ts via api/partner/route.ts
 * 11. present       200 body; errors in Market's envelope, reason phrases   Fastify serializer; app.ts error handler, api/errors.ts
 * 12. settle        quota give-back, slot release; answer counter, journal, live feed   app.ts onResponse hooks → route.ts settleTicket
 */
export const PARTNER_STAGES: readonly { name: string; run: (ctx: StageContext) => void | Promise<void> }[] = [
  { name: 'authenticate', run: authenticateStage },
  { name: 'business header', run: businessHeaderStage },
  { name: 'scope', run: scopeStage },
  { name: 'business', run: businessStage },
  { name: 'limits', run: limitsStage },
  { name: 'faults', run: faultStage },
];

/** Runs the stages before validation; the first to refuse ends the call. */
export async function runPartnerStages(ctx: StageContext): Promise<void> {
  for (const stage of PARTNER_STAGES) {
    // Most stages decide synchronously; awaiting only real promises keeps the call's hot path short.
    const pending = stage.run(ctx);
    if (pending) await pending;
  }
}
