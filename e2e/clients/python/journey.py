"""The core journey written only against the Python client openapi-python-client generated from
docs/openapi.json: sign-up, a course with a lecture, publish, search, checkout, paying on the simulator's
page, purchase status until access is ready, heartbeats, resume, purchased courses and the instructor's
stats. Every answer must parse into its generated model, and every raw body must validate against its
documented schema with no undeclared property (strict.py).

    python journey.py BASE_URL GENERATED_DIR OPENAPI_JSON
"""

import io
import sys
import time
import uuid
from pathlib import Path

BASE, GENERATED, DOCUMENT = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [GENERATED, str(HERE), str(ROOT / "scripts")]

import httpx  # noqa: E402
from lms_api import pay_on_simulator_page, png  # noqa: E402  (the simulator's page is HTML, not our API)
from lms_client import AuthenticatedClient, Client  # noqa: E402
from lms_client.api.courses import create_course, publish_course, search_courses  # noqa: E402
from lms_client.api.lectures import add_lecture  # noqa: E402
from lms_client.api.payments import (  # noqa: E402
    create_checkout_session,
    get_purchase_status,
    list_purchased_courses,
)
from lms_client.api.platform import healthcheck  # noqa: E402
from lms_client.api.progress import get_progress, get_resume, get_stats, progress_update_lecture  # noqa: E402
from lms_client.api.user import get_profile, sign_up  # noqa: E402
from lms_client import models as m  # noqa: E402
from lms_client.types import File  # noqa: E402

from strict import Document, Recorder, check  # noqa: E402

PASSWORD = "Passw0rd-clients"
LECTURE = (ROOT / "e2e" / "browser" / "lecture.webm").read_bytes()
recorder = Recorder()
HTTPX = {"event_hooks": {"response": [recorder]}}


def step(message):
    print(f"python client: {message}", flush=True)


def ok(response, status, model):
    """The answer has `status` and parsed into `model`."""
    assert response.status_code == status, f"{status} expected, got {response.status_code}: {response.content[:400]!r}"
    assert isinstance(response.parsed, model), f"parsed into {type(response.parsed).__name__}, not {model.__name__}"
    return response.parsed


def eventually(what, fn, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {timeout}s")


def user(role):
    anonymous = Client(base_url=BASE, httpx_args=HTTPX, timeout=httpx.Timeout(30.0))
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    body = m.SignUpBody(name=f"Py {role.title()}", email=email, password=PASSWORD, role=m.SignUpRole(role))
    auth = ok(sign_up.sync_detailed(client=anonymous, body=body), 201, m.AuthResponse)
    assert auth.user.role == m.Role(role)
    return AuthenticatedClient(base_url=BASE, token=auth.token, httpx_args=HTTPX, timeout=httpx.Timeout(30.0))


def main():
    started = time.monotonic()
    document = Document(DOCUMENT)
    health = ok(healthcheck.sync_detailed(client=Client(base_url=BASE, httpx_args=HTTPX, timeout=httpx.Timeout(30.0))), 200, m.HealthReport)
    assert health.status == m.Overall.OK

    instructor = user("instructor")
    keyword = f"pyclient{uuid.uuid4().hex[:10]}"
    form = m.NewCourseForm(
        title=f"Generated client course {keyword}",
        category="Programming",
        price="19.99",
        description="Made by the generated Python client.",
        level=m.Level.BEGINNER,
        thumbnail=File(payload=io.BytesIO(png()), file_name="thumb.png", mime_type="image/png"),
    )
    course = ok(create_course.sync_detailed(client=instructor, body=form), 201, m.CourseResponse).course
    lecture_form = m.NewLectureForm(
        title="Lecture one",
        order="1",
        is_preview="false",
        video=File(payload=io.BytesIO(LECTURE), file_name="lecture.webm", mime_type="video/webm"),
    )
    lecture = ok(add_lecture.sync_detailed(course.field_id, client=instructor, body=lecture_form), 201, m.LectureResponse).lecture
    assert lecture.duration > 0
    published = ok(
        publish_course.sync_detailed(course.field_id, client=instructor, body=m.PublishBody(publish=True)),
        200,
        m.CourseResponse,
    ).course
    assert published.is_published
    step(f"course {course.field_id} published with a lecture of {lecture.duration} s")

    student = user("student")
    found = ok(search_courses.sync_detailed(client=student, query=keyword), 200, m.CourseListResponse)
    assert [c.field_id for c in found.data] == [course.field_id], found.data
    step("search (one query parameter) finds it")

    before = ok(get_purchase_status.sync_detailed(course.field_id, client=student), 200, m.PurchaseStatusResponse)
    assert not before.data.is_purchased and not before.data.access_ready and before.data.status is None
    checkout = ok(
        create_checkout_session.sync_detailed(client=student, body=m.CheckoutBody(course_id=course.field_id)),
        201,
        m.CheckoutResponse,
    )
    session = checkout.data.session
    assert isinstance(session, m.CheckoutSession) and session.url, session
    location = pay_on_simulator_page(session.url)
    step(f"paid on the simulator's page (sent to {location})")

    def ready():
        status = ok(get_purchase_status.sync_detailed(course.field_id, client=student), 200, m.PurchaseStatusResponse)
        return status.data if status.data.access_ready else None

    status = eventually("accessReady after paying", ready)
    assert status.is_purchased and status.status == "completed", status
    step("purchase status: isPurchased, then accessReady")

    half = lecture.duration / 2
    for watched, position in (([[0, half]], half), ([[half, lecture.duration]], lecture.duration)):
        body = m.HeartbeatBody(watched=watched, last_position=position)
        ok(progress_update_lecture.sync_detailed(course.field_id, lecture.field_id, client=student, body=body), 200, m.CourseProgressResponse)
    progress = ok(get_progress.sync_detailed(course.field_id, client=student), 200, m.CourseProgressResponse).data
    assert progress.completion_percentage == 100 and progress.completed_at is not None, progress
    resume = ok(get_resume.sync_detailed(course.field_id, client=student), 200, m.ResumeResponse).data
    assert resume.lecture_id == lecture.field_id, resume
    step(f"heartbeats: 100 %; resume at {resume.lecture_id} {resume.last_position} s")

    bought = ok(list_purchased_courses.sync_detailed(client=student), 200, m.PurchasedCoursesResponse)
    assert [p.course.field_id for p in bought.data] == [course.field_id], bought.data
    profile = ok(get_profile.sync_detailed(client=student), 200, m.UserResponse).user
    assert course.field_id in [e.course for e in profile.enrolled_courses], profile
    stats = ok(get_stats.sync_detailed(course.field_id, client=instructor), 200, m.StatsResponse).data
    assert stats.enrolled == 1 and stats.completed == 1, stats
    step("purchased courses, profile enrolment and the instructor's stats agree")

    problems = check(document, recorder)
    assert not problems, "answers that do not match the document:\n  " + "\n  ".join(problems)
    step(f"{len(recorder.seen)} answers parsed into their models and matched their schemas exactly")
    step(f"journey passed in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
