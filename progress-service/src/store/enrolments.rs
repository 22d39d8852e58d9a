//! `enrolments` (the projection in `shared::enrolments`) as progress-service names it:
//! `{ userId, courseId }`, the names of its `progress` documents, with the indexes its summaries read by.

use mongodb::IndexModel;
use mongodb::bson::doc;
use shared::enrolments::Layout;
use shared::stores::index;

pub(super) static LAYOUT: Layout = Layout {
    course: "courseId",
    user: "userId",
    indexes,
};

fn indexes() -> Vec<IndexModel> {
    vec![
        index(
            doc! { "userId": 1, "courseId": 1 },
            "user_course_unique",
            true,
        ),
        index(doc! { "courseId": 1 }, "course", false),
    ]
}
