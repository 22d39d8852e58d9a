//! Listing and search filters over `courses`, turned into an indexed MongoDB filter and sort. User text is
//! escaped before it becomes a case-insensitive `$regex`, so it always matches literally.

use mongodb::bson::{Document, Regex, doc, oid::ObjectId};
use shared::query::escape_regex;

use crate::domain::{Level, Price, Stars, rating};

/// Listing and search filters (all optional; combined with AND).
#[derive(Debug, Clone, Default)]
pub struct CourseQuery {
    pub published_only: bool,
    pub instructor: Option<ObjectId>,
    pub category: Option<String>,
    pub level: Option<Level>,
    /// Matched in title, subtitle or description.
    pub text: Option<String>,
    pub title: Option<String>,
    pub min_price: Option<Price>,
    pub max_price: Option<Price>,
    /// Courses whose average, as answered (one decimal), is at least this.
    pub min_rating: Option<Stars>,
    pub sort: CourseSort,
}

/// Listing order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CourseSort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Title,
    /// Best average first; more reviews first among equal averages; then by id, so pages never repeat.
    Rating,
}

/// A case-insensitive substring match on user text, escaped so it matches literally.
fn contains(text: &str) -> Regex {
    Regex {
        pattern: escape_regex(text),
        options: "i".to_owned(),
    }
}

impl CourseQuery {
    pub(super) fn filter(&self) -> Document {
        let mut filter = Document::new();
        if self.published_only {
            filter.insert("isPublished", true);
        }
        if let Some(instructor) = self.instructor {
            filter.insert("instructor", instructor);
        }
        if let Some(category) = &self.category {
            filter.insert("categoryKey", category.to_lowercase());
        }
        if let Some(level) = self.level {
            filter.insert("level", level.as_str());
        }
        if let Some(title) = &self.title {
            filter.insert("title", contains(title));
        }
        if let Some(text) = &self.text {
            let re = contains(text);
            filter.insert(
                "$or",
                vec![
                    doc! { "title": re.clone() },
                    doc! { "subtitle": re.clone() },
                    doc! { "description": re },
                ],
            );
        }
        let mut price = Document::new();
        if let Some(min) = self.min_price {
            price.insert("$gte", min.cents());
        }
        if let Some(max) = self.max_price {
            price.insert("$lte", max.cents());
        }
        if !price.is_empty() {
            filter.insert("priceCents", price);
        }
        if let Some(min) = self.min_rating {
            // Averages are shown to one decimal, half up, so 3.95 is shown (and counts) as 4.0; the same
            // tolerance as `rating::one_decimal` absorbs binary fractions just below the half.
            let floor = f64::from(min.value()) - 0.05 - rating::ROUNDING_TOLERANCE;
            filter.insert("rating.average", doc! { "$gte": floor });
        }
        filter
    }

    pub(super) fn sort_doc(&self) -> Document {
        match self.sort {
            CourseSort::Newest => doc! { "createdAt": -1, "_id": -1 },
            CourseSort::PriceAsc => doc! { "priceCents": 1, "createdAt": -1, "_id": -1 },
            CourseSort::PriceDesc => doc! { "priceCents": -1, "createdAt": -1, "_id": -1 },
            CourseSort::Title => doc! { "titleKey": 1, "_id": 1 },
            CourseSort::Rating => {
                doc! { "rating.average": -1, "rating.count": -1, "_id": -1 }
            }
        }
    }
}
