// Drives Guild's embedded LRS with @xapi/xapi (a real npm xAPI client) and prints a JSON summary.
// Usage: LRS_ENDPOINT=http://127.0.0.1:PORT/xapi/ LRS_KEY=... LRS_SECRET=... node client.js
"use strict";
const crypto = require("crypto");
const XAPI = require("@xapi/xapi");

const endpoint = process.env.LRS_ENDPOINT;
const auth = XAPI.toBasicAuth(process.env.LRS_KEY, process.env.LRS_SECRET);
const xapi = new XAPI({ endpoint, auth, version: "1.0.3" });
const actor = { objectType: "Agent", mbox: "mailto:js-client@example.com", name: "JS client" };
const verb = { id: "http://adlnet.gov/expapi/verbs/completed", display: { "en-US": "completed" } };

function statement(i) {
  return {
    actor,
    verb,
    object: {
      objectType: "Activity",
      id: `http://example.com/js/activity/${i}`,
      definition: { name: { "en-US": `JS activity ${i}` } },
    },
  };
}

async function main() {
  const summary = {};
  const about = await xapi.getAbout();
  summary.versions = about.data.version;

  const sent = await xapi.sendStatements({ statements: [0, 1, 2, 3, 4, 5, 6].map(statement) });
  summary.sent = sent.data.length;

  let page = await xapi.getStatements({ verb: verb.id, agent: actor, limit: 3 });
  const seen = page.data.statements.map((s) => s.id);
  while (page.data.more) {
    page = await xapi.getMoreStatements({ more: page.data.more });
    seen.push(...page.data.statements.map((s) => s.id));
  }
  summary.paged = seen.length;
  summary.pagedDistinct = new Set(seen).size;

  const one = await xapi.getStatement({ statementId: sent.data[0] });
  summary.authority = one.data.authority && one.data.authority.objectType;

  await xapi.voidStatement({ actor, statementId: sent.data[0] });
  const voided = await xapi.getVoidedStatement({ voidedStatementId: sent.data[0] });
  summary.voided = voided.data.id === sent.data[0];

  const activityId = "http://example.com/js/activity/0";
  await xapi.setState({ agent: actor, activityId, stateId: "bookmark", state: { page: 7 } });
  const state = await xapi.getState({ agent: actor, activityId, stateId: "bookmark" });
  summary.state = state.data.page;
  await xapi.deleteState({ agent: actor, activityId, stateId: "bookmark" });
  summary.statesAfterDelete = (await xapi.getStates({ agent: actor, activityId })).data.length;

  const content = "certificate of completion";
  const sha2 = crypto.createHash("sha256").update(content).digest("hex");
  const withAttachment = {
    ...statement(99),
    attachments: [
      {
        usageType: XAPI.AttachmentUsages.SUPPORTING_MEDIA,
        display: { "en-US": "certificate" },
        contentType: "text/plain",
        length: Buffer.byteLength(content),
        sha2,
      },
    ],
  };
  // With its default axios adapter, @xapi/xapi 3.0.3 on Node sends the multipart Blob as
  // application/octet-stream (axios replaces the boundary header), so attachments go through fetch.
  const viaFetch = new XAPI({ endpoint, auth, version: "1.0.3", adapter: "fetch" });
  const attached = await viaFetch.sendStatement({ statement: withAttachment, attachments: [content] });
  const fetched = await viaFetch.getStatement({ statementId: attached.data[0], attachments: true });
  summary.attachmentParts = fetched.data.length;
  summary.attachmentContent = String(fetched.data[1]).trim();

  const activity = await xapi.getActivity({ activityId: "http://example.com/js/activity/1" });
  summary.activityName = activity.data.definition.name["en-US"];
  const person = await xapi.getAgent({ agent: actor });
  summary.person = person.data.objectType;

  process.stdout.write(JSON.stringify(summary) + "\n");
}

main().catch((error) => {
  const detail = error.response ? `${error.response.status} ${JSON.stringify(error.response.data)}` : String(error);
  process.stderr.write(`xAPI client failed: ${detail}\n`);
  process.exit(1);
});
