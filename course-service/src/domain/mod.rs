//! Domain newtypes: parsed once from user input, so handlers and the store only see valid values.

mod money;
pub mod rating;
mod text;

pub use money::Price;
pub use rating::{Histogram, RatingDelta, ReviewText, Stars};
pub use text::{
    Category, CourseDescription, CourseTitle, LectureDescription, LectureOrder, LectureTitle,
    Level, SearchText, Subtitle,
};

#[cfg(test)]
mod tests;
