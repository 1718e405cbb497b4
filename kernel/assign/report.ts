// grades.csv, grades.json and one feedback page per student.
import * as fs from "node:fs";
import * as path from "node:path";
import type { StudentGrade } from "./grade";

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per student: total, then each test's points, in the key's order. */
export function gradesCsv(grades: StudentGrade[]): string {
  const ids = grades[0]?.tests.map((t) => t.grade_id) ?? [];
  const rows = [["student", "score", "max_score", ...ids, "tampered"]];
  for (const g of grades) {
    rows.push([g.student, String(g.score), String(g.max_score), ...ids.map((id) => String(g.tests.find((t) => t.grade_id === id)?.points ?? 0)),
      g.tampering.map((t) => `${t.grade_id} ${t.what}`).join("; ")]);
  }
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** The grades without what varies from run to run (time, memory), so two gradings compare equal. */
export function gradesJson(assignment: string, grades: StudentGrade[]): string {
  return JSON.stringify({
    assignment,
    students: grades.map((g) => ({ student: g.student, score: g.score, max_score: g.max_score, status: g.status, tests: g.tests, tampering: g.tampering, notes: g.notes })),
  }, null, 1) + "\n";
}

/** Characters of one cell's printed output shown in feedback. */
const PRINTED_CAP = 64 * 1024;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function feedbackHtml(assignment: string, g: StudentGrade): string {
  const rows = g.tests.map((t) =>
    `<tr class="${t.passed ? "pass" : "fail"}"><td>${esc(t.grade_id)}</td><td>${t.points} / ${t.max_points}</td>` +
    `<td>${t.passed ? "passed" : `<pre>${esc(t.message)}</pre>`}</td></tr>`).join("\n");
  const tamper = g.tampering.length
    ? `<h2>Cells you were not meant to change</h2><ul>${g.tampering.map((t) => `<li>${esc(t.grade_id)} (${esc(t.kind)}): ${esc(t.what)}; graded with the original</li>`).join("")}</ul>`
    : "";
  const notes = g.notes.length ? `<h2>Notes</h2><ul>${g.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "";
  // Only what the student's own cells printed (already capped by the sandbox), never a test's output.
  const printed = (g.printed ?? []).length
    ? `<h2>What your cells printed</h2>${g.printed.map((p) => `<h3>${esc(p.label)}</h3><pre class="printed">${esc(p.text.slice(0, PRINTED_CAP))}</pre>`).join("\n")}`
    : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(assignment)}: feedback for ${esc(g.student)}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}tr.pass td:nth-child(3){color:#1a7f37}
tr.fail td:nth-child(3){color:#b42318}pre{margin:0;white-space:pre-wrap}</style></head>
<body><h1>${esc(assignment)}: ${esc(g.student)}</h1>
<p class="score">Score: <b>${g.score} / ${g.max_score}</b></p>
<table><thead><tr><th>test</th><th>points</th><th>result</th></tr></thead><tbody>
${rows}
</tbody></table>
${tamper}${notes}${printed}
</body></html>
`;
}

export function writeReports(outDir: string, assignment: string, grades: StudentGrade[]): void {
  fs.mkdirSync(path.join(outDir, "feedback"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "grades.csv"), gradesCsv(grades));
  fs.writeFileSync(path.join(outDir, "grades.json"), gradesJson(assignment, grades));
  for (const g of grades) fs.writeFileSync(path.join(outDir, "feedback", `${g.student.replace(/[^\w.-]/g, "_")}.html`), feedbackHtml(assignment, g));
}
