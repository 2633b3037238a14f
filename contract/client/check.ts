// Compiles only while the types generated from openapi.json still carry what front ends build on:
// the grab's body and parameters, the Problem every error shares, the grab's 409 slugs and the
// operation ids. A generation that loses them (to `unknown`, `any`, a plain `string`, a renamed
// path or slug) fails here rather than in a front end.
import type { components, operations, paths } from "./schema";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;

type Grab = operations["grab"];
type GrabResponses = Grab["responses"];

export type GrabBody =
  paths["/api/v1/terms/{term_id}/enrollments"]["post"]["requestBody"]["content"]["application/json"];
export type Problem = components["schemas"]["Problem"];
export type Enrollment = GrabResponses[201]["content"]["application/json"];
// Each error response is `allOf: [Problem]` plus its status's own `slug` enum, which the
// generator turns into `{ slug?: "…" | … } & Problem`: Problem's required `slug` keeps it present.
export type GrabConflict = GrabResponses[409]["content"]["application/problem+json"];
export type GrabConflictSlug = GrabConflict["slug"];

// The path's POST is the operation front ends call `grab`, not a look-alike of it.
export const grabIsThePathsPost: Equal<
  paths["/api/v1/terms/{term_id}/enrollments"]["post"],
  Grab
> = true;
export const problemIsTyped: IsAny<Problem> extends false ? true : never = true;
// A slug that widened to `string` would let any `case` below compile.
export const grabSlugsAreClosed: string extends GrabConflictSlug ? never : true = true;

// New slugs may be added (the contract grows); a slug listed here renamed or removed fails.
export const grabConflictSlugs = [
  "course-full",
  "already-enrolled",
  "time-conflict",
  "window-not-open",
  "window-closed",
  "not-eligible",
  "prerequisites-missing",
  "limit-reached",
  "not-in-round",
  "course-cancelled",
] as const satisfies readonly GrabConflictSlug[];

export interface GrabRequest {
  readonly method: "POST";
  readonly url: string;
  readonly headers: Grab["parameters"]["header"];
  readonly body: GrabBody;
}

export function grabRequest(
  termId: Grab["parameters"]["path"]["term_id"],
  body: GrabBody,
  idempotencyKey: string,
): GrabRequest {
  return {
    method: "POST",
    url: `/api/v1/terms/${termId}/enrollments`,
    headers: { "idempotency-key": idempotencyKey },
    body: { student_id: body.student_id, course_id: body.course_id },
  };
}

export function problemTitle(problem: Problem, language: "zh" | "en"): string {
  return language === "zh" ? problem.title_zh : problem.title_en;
}

export function fieldErrors(problem: Problem): readonly string[] {
  return (problem.errors ?? []).map((error) => error.loc);
}

export function seatIsHeld(enrollment: Enrollment): boolean {
  return enrollment.status === "confirmed" || enrollment.status === "pending";
}

export function grabConflictAdvice(conflict: GrabConflict): string {
  const status: 409 = conflict.status;
  switch (conflict.slug) {
    case "course-full":
    case "course-cancelled":
      return "Pick another course · 请选择其他课程";
    case "already-enrolled":
      return "Already yours · 已报名";
    case "window-not-open":
      return "Not open yet · 尚未开始";
    case "time-conflict":
    case "limit-reached":
      return "Drop a course first · 请先退选其他课程";
    default:
      return `${status} ${problemTitle(conflict, "en")}`;
  }
}

export function retryAfterSeconds(
  headers: GrabResponses[429]["headers"] | GrabResponses[503]["headers"],
): number {
  return headers["Retry-After"];
}
