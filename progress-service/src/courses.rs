//! course-service's internal routes (`GET /internal/courses/{id}` and `.../enrolments/{userId}`) with a
//! short in-process cache. The consumer in `events` clears course entries on `course.updated`,
//! `course.deleted` and `lecture.deleted`, and sets enrolment entries from `purchase.completed` and
//! `purchase.refunded`; the TTL bounds staleness for what an event cannot reach (another replica consumed it).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use shared::config::Upstream;
use shared::internal::{CourseSummary, CourseSummaryResponse, EnrolmentCheck};
use shared::internal_auth::INTERNAL_TOKEN_HEADER;

/// A cache is dropped whole beyond this many entries (simple, and bounded).
const CACHE_MAX: usize = 10_000;

/// course-service could not answer.
#[derive(Debug, thiserror::Error)]
#[error("course-service call failed: {0}")]
pub struct CourseServiceError(#[from] reqwest::Error);

/// A TTL cache whose invalidations win over fetches that were in flight when they happened.
struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    /// Bumped by every invalidation; a fetch stores its answer only if no invalidation came meanwhile.
    generation: AtomicU64,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn put(&self, key: K, value: V, fetched_in: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation() != fetched_in || self.ttl.is_zero() {
            return;
        }
        if entries.len() >= CACHE_MAX {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn remove_where(&self, pred: impl Fn(&K) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|k, _| !pred(k));
    }
}

/// Reads courses and enrolments from course-service. Cheap to clone.
#[derive(Clone)]
pub struct CourseDirectory {
    client: reqwest::Client,
    base: String,
    token: String,
    courses: Arc<TtlCache<String, Arc<CourseSummary>>>,
    enrolments: Arc<TtlCache<(String, String), EnrolmentCheck>>,
}

impl CourseDirectory {
    pub fn new(
        course_service: &Upstream,
        token: &str,
        course_ttl: Duration,
        enrolment_ttl: Duration,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(course_service.timeout)
                .connect_timeout(course_service.timeout)
                .build()?,
            base: format!("{}/internal/courses", course_service.url),
            token: token.to_owned(),
            courses: Arc::new(TtlCache::new(course_ttl)),
            enrolments: Arc::new(TtlCache::new(enrolment_ttl)),
        })
    }

    /// The course with its lectures in order; `None` when course-service does not know it.
    pub async fn course(
        &self,
        course_id: &str,
    ) -> Result<Option<Arc<CourseSummary>>, CourseServiceError> {
        if let Some(hit) = self.courses.get(&course_id.to_owned()) {
            return Ok(Some(hit));
        }
        let generation = self.courses.generation();
        let res = self
            .client
            .get(format!("{}/{course_id}", self.base))
            .header(INTERNAL_TOKEN_HEADER, &self.token)
            .send()
            .await?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body: CourseSummaryResponse = res.error_for_status()?.json().await?;
        let course = Arc::new(body.course);
        self.courses
            .put(course_id.to_owned(), course.clone(), generation);
        Ok(Some(course))
    }

    /// [`CourseDirectory::course`] for an owned id (for futures that outlive the caller's borrow).
    pub async fn course_owned(
        &self,
        course_id: String,
    ) -> Result<Option<Arc<CourseSummary>>, CourseServiceError> {
        self.course(&course_id).await
    }

    /// Whether `user_id` is enrolled in `course_id` (`None`: the course is unknown).
    pub async fn enrolment(
        &self,
        course_id: &str,
        user_id: &str,
    ) -> Result<Option<EnrolmentCheck>, CourseServiceError> {
        let key = (course_id.to_owned(), user_id.to_owned());
        if let Some(hit) = self.enrolments.get(&key) {
            return Ok(Some(hit));
        }
        let generation = self.enrolments.generation();
        let res = self
            .client
            .get(format!("{}/{course_id}/enrolments/{user_id}", self.base))
            .header(INTERNAL_TOKEN_HEADER, &self.token)
            .send()
            .await?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let check: EnrolmentCheck = res.error_for_status()?.json().await?;
        self.enrolments.put(key, check.clone(), generation);
        Ok(Some(check))
    }

    /// Forgets a course's lectures (and, for a deleted course, its enrolments).
    pub fn forget_course(&self, course_id: &str) {
        self.courses.remove_where(|k| k == course_id);
    }

    /// Forgets every cached enrolment check of a course.
    pub fn forget_enrolments_of_course(&self, course_id: &str) {
        self.enrolments.remove_where(|(c, _)| c == course_id);
    }

    /// Records what a purchase event says about one enrolment. Storing the event's answer rather than only
    /// forgetting the old one matters: this service may see the event before course-service has applied
    /// it, and a check made in between would cache the outdated answer for the whole TTL.
    pub fn remember_enrolment(&self, course_id: &str, user_id: &str, enrolled: bool) {
        let key = (course_id.to_owned(), user_id.to_owned());
        self.enrolments.remove_where(|k| *k == key);
        let check = EnrolmentCheck {
            success: true,
            course_id: course_id.to_owned(),
            user_id: user_id.to_owned(),
            enrolled,
            // Ownership is read from the course summary, never from this cache.
            is_owner: false,
        };
        self.enrolments
            .put(key, check, self.enrolments.generation());
    }

    /// Forgets every cached enrolment check of a user.
    pub fn forget_user(&self, user_id: &str) {
        self.enrolments.remove_where(|(_, u)| u == user_id);
    }
}
