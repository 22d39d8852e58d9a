//! `counters`: the next status number, handed out by one atomic `$inc` so no two certificates share a bit
//! of the status list. A number taken by an issuance that then turned out to be a duplicate stays unused
//! (its bit is never set), which costs one bit.

use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};

const STATUS_NUMBER: &str = "statusNumber";

/// Typed access to `counters`.
#[derive(Clone)]
pub struct CounterStore {
    coll: Collection<Document>,
}

impl CounterStore {
    pub fn new(db: &Database) -> Self {
        Self {
            coll: db.collection("counters"),
        }
    }

    /// The next unused status number (0, 1, 2, ...).
    pub async fn next_status_number(&self) -> anyhow::Result<u64> {
        let doc = self
            .coll
            .find_one_and_update(
                doc! { "_id": STATUS_NUMBER },
                doc! { "$inc": { "next": 1_i64 } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the status counter upsert returned nothing"))?;
        taken(&doc)?
            .checked_sub(1)
            .ok_or_else(|| anyhow::anyhow!("the status counter did not count"))
    }

    /// How many status numbers were handed out.
    pub async fn status_numbers_taken(&self) -> anyhow::Result<u64> {
        match self.coll.find_one(doc! { "_id": STATUS_NUMBER }).await? {
            Some(doc) => taken(&doc),
            None => Ok(0),
        }
    }
}

/// The counter's `next` (numbers handed out so far), whichever integer width the server stored.
fn taken(doc: &Document) -> anyhow::Result<u64> {
    let next = doc
        .get_i64("next")
        .or_else(|_| doc.get_i32("next").map(i64::from))
        .map_err(|e| anyhow::anyhow!("the status counter is not a number: {e}"))?;
    u64::try_from(next).map_err(|_| anyhow::anyhow!("the status counter is negative"))
}
