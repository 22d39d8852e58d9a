// The core journey through openapi-fetch typed by openapi-typescript's types of docs/openapi.json: sign-up,
// a course with a lecture (multipart), publish, search, checkout and its `url`, paying on the simulator's
// page, purchase status until `accessReady`, heartbeats, progress, resume, purchased courses, stats.
// `tsc --noEmit --strict` checks it against the generated types; then Node runs it:
// `node journey.js BASE_URL LECTURE_WEBM`.
import fs from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
const BASE = process.argv[2] ?? "http://127.0.0.1:4000";
const LECTURE = fs.readFileSync(process.argv[3] ?? "../../browser/lecture.webm");
const PASSWORD = "Passw0rd-ts-client";
// The smallest valid PNG (1x1), for the thumbnail.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYPgPAAEDAQAIicLsAAAAAElFTkSuQmCC",
  "base64",
);

function step(message: string): void {
  console.log(`typescript client: ${message}`);
}

function fail(message: string): never {
  throw new Error(message);
}

/** The answer's data, or a failure naming the status and the envelope. */
function must<T>(result: { data?: T; error?: unknown; response: Response }, status: number): T {
  if (result.response.status !== status || result.data === undefined) {
    fail(`${result.response.url}: ${status} expected, got ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** A multipart body from a typed form (files are Blobs, everything else text). */
function formData(form: Record<string, string | Blob | undefined>): FormData {
  const out = new FormData();
  for (const [name, value] of Object.entries(form)) {
    if (value instanceof Blob) out.append(name, value, name === "video" ? "lecture.webm" : "thumb.png");
    else if (value !== undefined) out.append(name, value);
  }
  return out;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return fail(`${what}: not within ${timeoutMs} ms`);
}

async function user(role: NonNullable<Schemas["SignUpBody"]["role"]>) {
  const anonymous = createClient<paths>({ baseUrl: BASE });
  const email = `ts-${role}-${Math.random().toString(16).slice(2, 12)}@example.com`;
  const auth = must(
    await anonymous.POST("/api/v1/user/signup", { body: { name: `Ts ${role}`, email, password: PASSWORD, role } }),
    201,
  );
  if (auth.user.role !== role) fail(`signed up as ${auth.user.role}`);
  return createClient<paths>({ baseUrl: BASE, headers: { Authorization: `Bearer ${auth.token}` } });
}

/** Pays on stripe-sim's hosted page as a buyer's browser does: the page, then its form's `pay`. */
async function payOnSimulatorPage(url: string): Promise<string> {
  const page = await fetch(url);
  if (page.status !== 200) fail(`checkout page: ${page.status}`);
  const paid = await fetch(url, {
    method: "POST",
    body: "action=pay",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  if (paid.status !== 303) fail(`paying: ${paid.status}`);
  return paid.headers.get("location") ?? fail("no Location after paying");
}

async function main(): Promise<void> {
  const started = Date.now();
  const health = must(await createClient<paths>({ baseUrl: BASE }).GET("/api/v1/healthcheck"), 200);
  if (health.status !== "OK") fail(`platform ${health.status}`);

  const instructor = await user("instructor");
  const keyword = `tsclient${Math.random().toString(16).slice(2, 12)}`;
  const courseForm: Schemas["NewCourseForm"] = {
    title: `Typed client course ${keyword}`,
    category: "Programming",
    price: "29.99",
    level: "beginner",
    thumbnail: new Blob([PNG], { type: "image/png" }),
  };
  const { course } = must(
    await instructor.POST("/api/v1/courses", { body: courseForm, bodySerializer: formData }),
    201,
  );
  const lectureForm: Schemas["NewLectureForm"] = {
    title: "Lecture one",
    order: "1",
    isPreview: "false",
    video: new Blob([LECTURE], { type: "video/webm" }),
  };
  const { lecture } = must(
    await instructor.POST("/api/v1/courses/{courseId}/lectures", {
      params: { path: { courseId: course._id } },
      body: lectureForm,
      bodySerializer: formData,
    }),
    201,
  );
  must(
    await instructor.PATCH("/api/v1/courses/{courseId}/publish", {
      params: { path: { courseId: course._id } },
      body: { publish: true },
    }),
    200,
  );
  step(`course ${course._id} published with a lecture of ${lecture.duration} s`);

  const student = await user("student");
  const found = must(await student.GET("/api/v1/courses/search", { params: { query: { query: keyword } } }), 200);
  if (found.data.map((c) => c._id).join() !== course._id) fail(`search found ${found.data.map((c) => c._id)}`);
  step("search (typed query parameters) finds it");

  const checkout = must(await student.POST("/api/v1/payments/create-checkout-session", { body: { courseId: course._id } }), 201);
  if (!("session" in checkout.data)) fail("a paid course starts a Checkout Session");
  const url: string = checkout.data.session.url ?? fail("an open session has a url");
  step(`paid on the simulator's page (sent to ${await payOnSimulatorPage(url)})`);

  const status = await eventually("accessReady after paying", async () => {
    const s = must(
      await student.GET("/api/v1/payments/courses/{courseId}/purchase-status", { params: { path: { courseId: course._id } } }),
      200,
    );
    return s.data.accessReady ? s.data : undefined;
  });
  if (!status.isPurchased || status.status !== "completed") fail(`status ${JSON.stringify(status)}`);
  step("purchase status: isPurchased, then accessReady");

  const half = lecture.duration / 2;
  for (const [watched, lastPosition] of [
    [[[0, half]], half],
    [[[half, lecture.duration]], lecture.duration],
  ] as const) {
    must(
      await student.PATCH("/api/v1/progress/{courseId}/lectures/{lectureId}", {
        params: { path: { courseId: course._id, lectureId: lecture._id } },
        body: { watched: watched.map(([a, b]) => [a, b]), lastPosition },
      }),
      200,
    );
  }
  const progress = must(await student.GET("/api/v1/progress/{courseId}", { params: { path: { courseId: course._id } } }), 200);
  if (progress.data.completionPercentage !== 100 || progress.data.completedAt === null) fail("100 % with completedAt");
  const resume = must(await student.GET("/api/v1/progress/{courseId}/resume", { params: { path: { courseId: course._id } } }), 200);
  if (resume.data.lectureId !== lecture._id) fail(`resume at ${resume.data.lectureId}`);
  const bought = must(await student.GET("/api/v1/payments/purchased-courses"), 200);
  if (bought.data.map((p) => p.course._id).join() !== course._id) fail("purchased courses list the course");
  const stats = must(await instructor.GET("/api/v1/progress/{courseId}/stats", { params: { path: { courseId: course._id } } }), 200);
  if (stats.data.enrolled !== 1 || stats.data.completed !== 1) fail(`stats ${JSON.stringify(stats.data)}`);
  step("100 %, resume, purchased courses and the instructor's stats agree");
  step(`journey passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
