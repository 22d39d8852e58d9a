//! The `users` collection: accounts, profile fields, enrolments and the per-user "not before".

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::{DateTime as BsonDateTime, Document, doc, oid::ObjectId};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use serde::{Deserialize, Serialize};
use shared::claims::Role;

use crate::domain::{EnrolledCourse, User};
use shared::stores::{Indexes, index, object_id, to_bson, to_chrono};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrolledDoc {
    course: String,
    enrolled_at: BsonDateTime,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    name: String,
    email: String,
    password: String,
    role: Role,
    avatar: String,
    #[serde(default)]
    avatar_key: Option<String>,
    #[serde(default)]
    bio: String,
    is_active: bool,
    #[serde(default)]
    enrolled_courses: Vec<EnrolledDoc>,
    #[serde(default)]
    created_courses: Vec<String>,
    #[serde(default)]
    tokens_not_before: Option<i64>,
    /// Whether the address was proven: only an account created through a trusted provider's
    /// `email_verified` has `true` (`docs/auth.md`, "Single sign-on").
    #[serde(default)]
    email_verified: bool,
    created_at: BsonDateTime,
    updated_at: BsonDateTime,
    last_active: BsonDateTime,
}

impl From<UserDoc> for User {
    fn from(d: UserDoc) -> Self {
        Self {
            id: d.id.to_hex(),
            name: d.name,
            email: d.email,
            password_hash: d.password,
            role: d.role,
            avatar: d.avatar,
            avatar_key: d.avatar_key,
            bio: d.bio,
            is_active: d.is_active,
            enrolled_courses: d
                .enrolled_courses
                .into_iter()
                .map(|e| EnrolledCourse {
                    course: e.course,
                    enrolled_at: to_chrono(e.enrolled_at),
                })
                .collect(),
            created_courses: d.created_courses,
            tokens_not_before: d.tokens_not_before,
            created_at: to_chrono(d.created_at),
            updated_at: to_chrono(d.updated_at),
            last_active: to_chrono(d.last_active),
        }
    }
}

/// What sign-up or an admin invite stores.
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub avatar: &'a str,
}

/// Profile fields to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub bio: Option<String>,
    pub avatar: Option<(String, String)>,
}

/// Filters of the admin user list.
pub struct UserFilter {
    pub role: Option<Role>,
    /// Already regex-escaped text matched against name and email.
    pub query_regex: Option<String>,
}

/// Typed access to `users`.
#[derive(Clone)]
pub struct UserStore {
    coll: Collection<UserDoc>,
}

impl UserStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("users"),
        }
    }

    pub(super) fn indexes(&self) -> Indexes {
        Indexes::on(
            &self.coll,
            vec![
                index(doc! { "email": 1 }, "email_unique", true),
                index(doc! { "role": 1, "createdAt": -1 }, "role_created", false),
                index(doc! { "createdAt": -1 }, "created_desc", false),
            ],
        )
    }

    /// Inserts a new account; a duplicate email surfaces as a duplicate-key error.
    pub async fn insert(&self, new: NewUser<'_>) -> mongodb::error::Result<User> {
        self.insert_with(new, false).await
    }

    /// Inserts a new account created by single sign-on, with no password (`password_hash` empty: no
    /// password matches it) and the provider's word on the address when it is trusted.
    pub async fn insert_from_provider(
        &self,
        name: &str,
        email: &str,
        email_verified: bool,
    ) -> mongodb::error::Result<User> {
        let new = NewUser {
            name,
            email,
            password_hash: "",
            role: Role::Student,
            avatar: crate::domain::DEFAULT_AVATAR,
        };
        self.insert_with(new, email_verified).await
    }

    async fn insert_with(
        &self,
        new: NewUser<'_>,
        email_verified: bool,
    ) -> mongodb::error::Result<User> {
        let now = BsonDateTime::now();
        let doc = UserDoc {
            id: ObjectId::new(),
            name: new.name.to_owned(),
            email: new.email.to_owned(),
            password: new.password_hash.to_owned(),
            role: new.role,
            avatar: new.avatar.to_owned(),
            avatar_key: None,
            bio: String::new(),
            is_active: true,
            enrolled_courses: Vec::new(),
            created_courses: Vec::new(),
            tokens_not_before: None,
            email_verified,
            created_at: now,
            updated_at: now,
            last_active: now,
        };
        self.coll.insert_one(&doc).await?;
        Ok(doc.into())
    }

    pub async fn find_by_id(&self, id: &str) -> mongodb::error::Result<Option<User>> {
        let Some(oid) = object_id(id) else {
            return Ok(None);
        };
        Ok(self
            .coll
            .find_one(doc! { "_id": oid })
            .await?
            .map(Into::into))
    }

    pub async fn find_by_email(&self, email: &str) -> mongodb::error::Result<Option<User>> {
        Ok(self
            .coll
            .find_one(doc! { "email": email })
            .await?
            .map(Into::into))
    }

    /// Several users in one query (unknown or malformed ids are skipped).
    pub async fn find_many(&self, ids: &[String]) -> mongodb::error::Result<Vec<User>> {
        let oids: Vec<ObjectId> = ids.iter().filter_map(|id| object_id(id)).collect();
        let docs: Vec<UserDoc> = self
            .coll
            .find(doc! { "_id": { "$in": oids } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Records activity (sign-in, refresh) without touching `updatedAt`.
    pub async fn touch_last_active(&self, id: &str) -> mongodb::error::Result<()> {
        let Some(oid) = object_id(id) else {
            return Ok(());
        };
        self.coll
            .update_one(
                doc! { "_id": oid },
                doc! { "$set": { "lastActive": BsonDateTime::now() } },
            )
            .await?;
        Ok(())
    }

    /// Applies profile changes and returns the user as it was *before*, so the caller can remove a
    /// replaced avatar file, together with the updated user.
    pub async fn update_profile(
        &self,
        id: &str,
        changes: ProfileChanges,
    ) -> mongodb::error::Result<Option<(User, User)>> {
        let Some(oid) = object_id(id) else {
            return Ok(None);
        };
        let mut set = doc! { "updatedAt": BsonDateTime::now() };
        if let Some(name) = changes.name {
            set.insert("name", name);
        }
        if let Some(bio) = changes.bio {
            set.insert("bio", bio);
        }
        if let Some((url, key)) = changes.avatar {
            set.insert("avatar", url);
            set.insert("avatarKey", key);
        }
        let before = self
            .coll
            .find_one_and_update(doc! { "_id": oid }, doc! { "$set": set })
            .return_document(ReturnDocument::Before)
            .await?;
        let Some(before) = before else {
            return Ok(None);
        };
        let after = self.coll.find_one(doc! { "_id": oid }).await?;
        Ok(after.map(|after| (before.into(), after.into())))
    }

    /// Stores a new password hash.
    pub async fn set_password(&self, id: &str, hash: &str) -> mongodb::error::Result<bool> {
        let Some(oid) = object_id(id) else {
            return Ok(false);
        };
        let res = self
            .coll
            .update_one(
                doc! { "_id": oid },
                doc! { "$set": { "password": hash, "updatedAt": BsonDateTime::now() } },
            )
            .await?;
        Ok(res.matched_count == 1)
    }

    /// Moves the user's "not before" strictly forward: to `at_least`, or one second past the stored value
    /// when that is already later. Strictly, because a token issued after an earlier revocation in the same
    /// second carries that revocation's value as its `iat` and must fall to the next one. Returns the value
    /// now stored, or `None` if the user does not exist.
    pub async fn advance_not_before(
        &self,
        id: &str,
        at_least: i64,
    ) -> mongodb::error::Result<Option<i64>> {
        let Some(oid) = object_id(id) else {
            return Ok(None);
        };
        let mut proposed = at_least;
        for _ in 0..5 {
            let filter = doc! { "_id": oid, "$or": [ { "tokensNotBefore": null }, { "tokensNotBefore": { "$lt": proposed } } ] };
            let moved = self
                .coll
                .update_one(filter, doc! { "$set": { "tokensNotBefore": proposed } })
                .await?;
            if moved.modified_count == 1 {
                return Ok(Some(proposed));
            }
            let Some(current) = self.coll.find_one(doc! { "_id": oid }).await? else {
                return Ok(None);
            };
            proposed = proposed.max(current.tokens_not_before.unwrap_or(0) + 1);
        }
        // Five concurrent revocations of one user raced us; the value they stored is at least as strict.
        Ok(self
            .coll
            .find_one(doc! { "_id": oid })
            .await?
            .and_then(|d| d.tokens_not_before))
    }

    /// Changes role and/or active flag.
    pub async fn update_admin_fields(
        &self,
        id: &str,
        role: Option<Role>,
        is_active: Option<bool>,
    ) -> mongodb::error::Result<Option<User>> {
        let Some(oid) = object_id(id) else {
            return Ok(None);
        };
        let mut set = doc! { "updatedAt": BsonDateTime::now() };
        if let Some(role) = role {
            set.insert("role", role.as_str());
        }
        if let Some(active) = is_active {
            set.insert("isActive", active);
        }
        let updated = self
            .coll
            .find_one_and_update(doc! { "_id": oid }, doc! { "$set": set })
            .return_document(ReturnDocument::After)
            .await?;
        Ok(updated.map(Into::into))
    }

    pub async fn delete(&self, id: &str) -> mongodb::error::Result<bool> {
        let Some(oid) = object_id(id) else {
            return Ok(false);
        };
        Ok(self
            .coll
            .delete_one(doc! { "_id": oid })
            .await?
            .deleted_count
            == 1)
    }

    /// A page of users, newest first, with the total count for pagination.
    pub async fn list(
        &self,
        filter: &UserFilter,
        page: u64,
        limit: u64,
    ) -> mongodb::error::Result<(Vec<User>, u64)> {
        let mut query = Document::new();
        if let Some(role) = filter.role {
            query.insert("role", role.as_str());
        }
        if let Some(re) = &filter.query_regex {
            query.insert(
                "$or",
                vec![
                    doc! { "name": { "$regex": re, "$options": "i" } },
                    doc! { "email": { "$regex": re, "$options": "i" } },
                ],
            );
        }
        let total = self.coll.count_documents(query.clone()).await?;
        let users: Vec<UserDoc> = self
            .coll
            .find(query)
            .sort(doc! { "createdAt": -1, "_id": -1 })
            .skip((page - 1) * limit)
            .limit(i64::try_from(limit).unwrap_or(100))
            .await?
            .try_collect()
            .await?;
        Ok((users.into_iter().map(Into::into).collect(), total))
    }

    /// Adds an enrolment once; replays of the same event change nothing.
    pub async fn add_enrolment(
        &self,
        id: &str,
        course: &str,
        at: DateTime<Utc>,
    ) -> mongodb::error::Result<()> {
        let Some(oid) = object_id(id) else {
            return Ok(());
        };
        self.coll
            .update_one(
                doc! { "_id": oid, "enrolledCourses.course": { "$ne": course } },
                doc! { "$push": { "enrolledCourses": { "course": course, "enrolledAt": to_bson(at) } } },
            )
            .await?;
        Ok(())
    }

    pub async fn remove_enrolment(&self, id: &str, course: &str) -> mongodb::error::Result<()> {
        let Some(oid) = object_id(id) else {
            return Ok(());
        };
        self.coll
            .update_one(
                doc! { "_id": oid },
                doc! { "$pull": { "enrolledCourses": { "course": course } } },
            )
            .await?;
        Ok(())
    }

    pub async fn count_by_role(&self, role: Role) -> mongodb::error::Result<u64> {
        self.coll
            .count_documents(doc! { "role": role.as_str() })
            .await
    }
}
