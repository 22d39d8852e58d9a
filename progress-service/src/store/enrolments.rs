//! `enrolments` (the projection in `shared::enrolments`) as progress-service names it:
//! `{ userId, courseId }`, the names of its `progress` documents, with the indexes its summaries read by.

use shared::enrolments::Layout;

pub(super) static LAYOUT: Layout = Layout {
    course: "courseId",
    user: "userId",
    indexes: super::progress::user_course_indexes,
};
