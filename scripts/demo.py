#!/usr/bin/env python3
"""Demo data for a running local stack, idempotently: an admin (the one auth-service creates from
ADMIN_EMAIL/ADMIN_PASSWORD), an instructor, a student and three published courses with real short videos
(one free, two paid, each with a preview lecture); the student is enrolled in the free course. A second run
finds everything and creates nothing. Prints the accounts, what to open, and a Checkout page of a paid course.

    demo.py http://127.0.0.1:4000      (./scripts/run --demo calls it; or scripts/demo against a running stack)

The accounts are for a local stack only: the passwords are printed and fixed.
"""

import json
import os
import sys

from lms_api import ApiError, Client

PASSWORD = "Demo-passw0rd"
INSTRUCTOR = ("Iris Instructor", "instructor@demo.lms.local")
STUDENT = ("Stu Student", "student@demo.lms.local")
COURSES = [
    # title, price (USD), category, level, lectures (title, preview)
    ("Getting started with the platform", "0", "Programming", "beginner",
     [("Welcome", True), ("Finding your way", False)]),
    ("Rust for web services", "49.99", "Programming", "intermediate",
     [("Why Rust", True), ("Ownership in one picture", False), ("Your first service", False)]),
    ("Designing great courses", "19.99", "Teaching", "beginner",
     [("What learners need", True), ("Recording a lecture", False)]),
]


def account(base, name, email, role):
    """Signs in as `email`, or signs it up with the demo password. Returns (client, created)."""
    user = Client(base)
    if user.sign_in(email, PASSWORD, expect=(200, 401)).status == 200:
        return user, False
    user.sign_up(name, email, role=role, password=PASSWORD)
    return user, True


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = sys.argv[1].rstrip("/")
    created = []
    try:
        admin_email = os.environ.get("ADMIN_EMAIL", "")

        instructor, new = account(base, *INSTRUCTOR, "instructor")
        if new:
            created.append(f"instructor {INSTRUCTOR[1]}")
        student, new = account(base, *STUDENT, "student")
        if new:
            created.append(f"student {STUDENT[1]}")

        own = {c["title"]: c for c in instructor.api("GET", "/courses?limit=100")["data"]}
        courses = []
        for title, price, category, level, lectures in COURSES:
            course = own.get(title)
            if course is None:
                course = instructor.create_course(title, price, category, level, f"{title}: a demo course.")
                created.append(f"course {title!r}")
            detail = instructor.api("GET", f"/courses/{course['_id']}")["course"]
            have = {lecture["title"] for lecture in detail.get("lectures", [])}
            for order, (lecture_title, preview) in enumerate(lectures, start=1):
                if lecture_title not in have:
                    instructor.add_lecture(course["_id"], lecture_title, order, preview)
            if not detail.get("isPublished"):
                instructor.publish(course["_id"])
            courses.append((course["_id"], title, price))

        free_id = courses[0][0]
        res = student.call("POST", "/api/v1/payments/create-checkout-session", (200, 409), json_body={"courseId": free_id})
        if res.status == 200:
            created.append("the student's enrolment in the free course")
        paid_id = courses[1][0]
        checkout = student.call(
            "POST", "/api/v1/payments/create-checkout-session", (201, 409), json_body={"courseId": paid_id}
        )
        page = checkout.json()["data"]["session"]["url"] if checkout.status == 201 else "(already bought)"
    except ApiError as err:
        sys.exit(f"demo: FAILED: {err}")

    print(f"demo: {'created ' + ', '.join(created) if created else 'everything was already there; created nothing'}")
    print("demo accounts (password for both: %s):" % PASSWORD)
    print(f"    instructor  {INSTRUCTOR[1]}")
    print(f"    student     {STUDENT[1]} (enrolled in the free course)")
    if admin_email:
        print(f"    admin       {admin_email} (password: ADMIN_PASSWORD)")
    print("demo courses:")
    for course_id, title, price in courses:
        print(f"    {course_id}  ${price:<6} {title}")
    print("open:")
    print(f"    API docs        {base}/docs/")
    print(f"    published       {base}/api/v1/courses/published")
    print(f"    checkout page   {page}   (the student buying {courses[1][1]!r})")
    print("DEMO " + json.dumps({"created": created, "courses": [c[0] for c in courses]}))


if __name__ == "__main__":
    main()
