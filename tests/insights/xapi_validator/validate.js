// Reads a JSON array of xAPI statements on stdin; writes a JSON array with, for each statement,
// the list of problems Learning Locker's validator (@learninglocker/xapi-validation) finds.
"use strict";
const validate = require("@learninglocker/xapi-validation").default;

const describe = (warning) => {
  const path = (warning.path || []).join(".");
  const name = warning.constructor ? warning.constructor.name : "Warning";
  const keys = warning.keys ? ` ${JSON.stringify(warning.keys)}` : "";
  return `${path}: ${name}${keys} (value ${JSON.stringify(warning.data)})`;
};

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const statements = JSON.parse(input);
  const results = statements.map((statement) => validate(statement).map(describe));
  process.stdout.write(JSON.stringify(results));
});
