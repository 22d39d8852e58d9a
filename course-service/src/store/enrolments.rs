//! `enrolments` (the projection in `shared::enrolments`) as course-service names it: `{ course, user }`,
//! with the indexes its access checks and student lists read by.

use mongodb::IndexModel;
use mongodb::bson::doc;
use shared::enrolments::Layout;
use shared::stores::index;

pub(super) static LAYOUT: Layout = Layout {
    course: "course",
    user: "user",
    indexes,
};

fn indexes() -> Vec<IndexModel> {
    vec![
        index(doc! { "course": 1, "user": 1 }, "course_user_unique", true),
        index(
            doc! { "course": 1, "enrolledAt": -1 },
            "course_newest",
            false,
        ),
        index(doc! { "user": 1 }, "user", false),
    ]
}
