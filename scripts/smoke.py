#!/usr/bin/env python3
"""The smoke journey through a running stack's gateway, as a new user's first session would go.

    smoke.py journey http://127.0.0.1:4000 STATE   instructor signs up, creates and publishes a course with a
                                                   preview and a locked video lecture; a student buys it on
                                                   the Stripe simulator's page, streams the locked lecture
                                                   with Range, sends heartbeats and reaches 100 %, and
                                                   gets a certificate that verifies publicly; the
                                                   instructor's e-mail is written to STATE
    smoke.py signin  http://127.0.0.1:4000 STATE   the instructor of STATE signs in again (the data survived)

scripts/test runs it against `./scripts/run` and against `docker compose up` (scripts/compose-test). It only
talks to the gateway it is given and to the checkout page the platform hands out.
"""

import json
import sys
import time

from lms_api import LECTURE_WEBM, ApiError, Client, eventually, pay_on_simulator_page, quote, unique


def step(message):
    print(f"smoke: {message}", flush=True)


def journey(base, state_file):
    started = time.monotonic()
    instructor = Client(base)
    email = f"{unique('instructor')}@example.com"
    instructor.sign_up("Ada Instructor", email, role="instructor")
    step(f"instructor {email} signed up")
    keyword = unique("smoke").replace("-", "")
    course = instructor.create_course(f"Smoke course {keyword}", "19.99")
    course_id = course["_id"]
    preview = instructor.add_lecture(course_id, "Preview", 1, True)
    locked = instructor.add_lecture(course_id, "Locked", 2, False)
    for lecture in (preview, locked):
        assert lecture["duration"] > 0, f"a duration read from the container: {lecture}"
    instructor.publish(course_id)
    step(f"course {course_id} published with two lectures ({locked['duration']} s each)")

    student = Client(base)
    student.sign_up("Sam Student", f"{unique('student')}@example.com")
    found = student.api("GET", f"/courses/search?query={quote(keyword)}")["data"]
    assert [c["_id"] for c in found] == [course_id], f"search finds exactly the course: {found}"
    locked_path = locked["videoUrl"]
    res = student.call("GET", locked_path, (403,), headers={"Range": "bytes=0-99"})
    step(f"before buying the locked lecture is {res.status}")

    session = student.checkout(course_id)
    location = pay_on_simulator_page(session["url"])
    step(f"paid on the simulator's page, sent to {location}")
    assert location.startswith("http"), f"sent back to the configured success URL: {location}"

    video = LECTURE_WEBM.read_bytes()

    def streamed():
        res = student.call("GET", locked_path, (206, 403), headers={"Range": "bytes=100-1123"})
        return res if res.status == 206 else None

    res = eventually("the locked lecture streaming after the purchase", streamed)
    assert res.headers["Content-Range"] == f"bytes 100-1123/{len(video)}", res.headers["Content-Range"]
    assert res.body == video[100:1124], "exactly the requested bytes"
    step("the locked lecture streams with Range: 206, the exact bytes")

    for lecture in (preview, locked):
        seconds = lecture["duration"]
        path = f"/progress/{course_id}/lectures/{lecture['_id']}"
        halfway = seconds / 2

        def first_beat():
            res = student.call("PATCH", f"/api/v1{path}", (200, 403), json_body={"watched": [[0, halfway]], "lastPosition": halfway})
            return res.status == 200

        eventually("the first heartbeat accepted", first_beat)
        student.api("PATCH", path, json_body={"watched": [[halfway, seconds]], "lastPosition": seconds})
    progress = student.api("GET", f"/progress/{course_id}")["data"]
    assert progress["completionPercentage"] == 100, f"100 % after watching both lectures: {progress}"
    assert progress["completedAt"], f"completedAt set: {progress}"
    step("heartbeats over both lectures: 100 %, completedAt set")

    def listed():
        data = student.api("GET", "/certificates")["data"]
        return data[0] if data else None

    certificate = eventually("the certificate listed after the completion", listed)
    assert certificate["courseId"] == course_id and certificate["status"] == "active", certificate
    checks = Client(base).api("GET", f"/certificates/{certificate['_id']}/verify")
    assert checks["valid"] is True, f"the certificate verifies: {checks}"
    page = Client(base).call("GET", f"/certificates/{certificate['_id']}", (200,))
    assert b"Verified" in page.body, "the public page shows the verdict"
    step(f"certificate {certificate['_id']} issued, verified publicly, its page served")

    with open(state_file, "w") as f:
        json.dump({"instructor": email, "course": course_id}, f)
    step(f"journey passed in {time.monotonic() - started:.1f}s")


def sign_in_again(base, state_file):
    with open(state_file) as f:
        state = json.load(f)
    instructor = Client(base)
    instructor.sign_in(state["instructor"])
    own = instructor.api("GET", "/courses")["data"]
    assert state["course"] in [c["_id"] for c in own], f"the instructor's course survived: {own}"
    step(f"instructor {state['instructor']} signed in again and still has course {state['course']}")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("journey", "signin"):
        sys.exit(__doc__)
    command, base, state_file = sys.argv[1:]
    try:
        (journey if command == "journey" else sign_in_again)(base, state_file)
    except (ApiError, AssertionError, OSError) as err:
        sys.exit(f"smoke: FAILED: {err}")


if __name__ == "__main__":
    main()
