// The table `gradlab grade` ends with: per test cell, its points and how many of the
// class passed it; then the scores' spread and what needs an instructor's look
// (tampering, unreadable notebooks, notes such as a limit reached). What grades.csv holds per
// student, seen for the whole class at once.
import type { StudentGrade } from "./grade";

export function classSummary(grades: StudentGrade[]): string {
  const n = grades.length;
  if (n === 0) return "";
  const ids: { id: string; max: number }[] = [];
  const seen = new Set<string>();
  for (const g of grades) for (const t of g.tests) if (!seen.has(t.grade_id)) { seen.add(t.grade_id); ids.push({ id: t.grade_id, max: t.max_points }); }
  const width = Math.max(4, ...ids.map((t) => t.id.length));
  const rows = [`${"test".padEnd(width)}  points  passed  mean points`];
  for (const { id, max } of ids) {
    const results = grades.map((g) => g.tests.find((t) => t.grade_id === id));
    const passed = results.filter((r) => r?.passed).length;
    const mean = results.reduce((s, r) => s + (r?.points ?? 0), 0) / n;
    rows.push(`${id.padEnd(width)}  ${String(max).padStart(6)}  ${`${passed}/${n}`.padStart(6)}  ${mean.toFixed(2).padStart(11)}`);
  }
  const scores = grades.map((g) => g.score).sort((a, b) => a - b);
  const max = Math.max(...grades.map((g) => g.max_score));
  const median = n % 2 ? scores[(n - 1) / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2;
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  rows.push(`score out of ${max}: mean ${round(mean)}, median ${round(median)}, min ${round(scores[0])}, max ${round(scores[n - 1])}; full marks ${scores.filter((s) => s === max).length}/${n}`);
  const look: string[] = [];
  const tampered = grades.filter((g) => g.tampering.length > 0).map((g) => g.student);
  const unreadable = grades.filter((g) => g.status === "unreadable").map((g) => g.student);
  const noted = grades.filter((g) => g.notes.length > 0).map((g) => g.student);
  if (tampered.length) look.push(`tampered with tests: ${list(tampered)}`);
  if (unreadable.length) look.push(`unreadable: ${list(unreadable)}`);
  if (noted.length) look.push(`notes in their feedback (a limit reached, a crash, a name redefined): ${list(noted)}`);
  if (look.length) rows.push(`to look at: ${look.join("; ")}`);
  return rows.join("\n");
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

function list(names: string[]): string {
  return names.length <= 8 ? names.join(", ") : `${names.slice(0, 8).join(", ")} and ${names.length - 8} more`;
}
