//! Purchase statuses and the forward-only state machine:
//! `pending → completed | failed | expired`, `expired | failed → completed` (money was taken),
//! `completed → refunded`. Partial refunds raise `refundAmount` and keep `completed`.

use std::fmt;
use std::str::FromStr;

/// Where a purchase is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurchaseStatus {
    Pending,
    Completed,
    Failed,
    Expired,
    Refunded,
}

impl PurchaseStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Completed,
        Self::Failed,
        Self::Expired,
        Self::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Refunded => "refunded",
        }
    }
}

impl fmt::Display for PurchaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PurchaseStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                "status must be one of pending, completed, failed, expired, refunded".to_owned()
            })
    }
}

/// What Stripe says about a purchase, from a webhook event or a re-fetched session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// The session is complete and paid (`checkout.session.completed` with `payment_status: paid` or
    /// `no_payment_required`, or `checkout.session.async_payment_succeeded`).
    Paid { payment_intent: Option<String> },
    /// The session is complete but a delayed method has not paid yet (`payment_status: unpaid`).
    AwaitingPayment { payment_intent: Option<String> },
    /// `checkout.session.async_payment_failed`.
    PaymentFailed,
    /// `checkout.session.expired`.
    Expired,
    /// `charge.refunded`: the charge's cumulative refunded amount, and whether the whole charge is refunded.
    Refunded { amount_refunded: i64, full: bool },
}

/// A change to a refund: the new cumulative amount and whether that ends the purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundChange {
    pub refund_amount: i64,
    pub full: bool,
}

/// What an observation does to a purchase in a given status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changes (a duplicate, a stale event, or one that arrived after a later state).
    None,
    /// Record the payment intent only (a delayed payment is under way).
    NotePaymentIntent(String),
    /// Move to `completed` (and fulfil) from one of `from`.
    Complete {
        from: &'static [PurchaseStatus],
        payment_intent: Option<String>,
    },
    /// Move to `failed` from `pending`.
    Fail,
    /// Move to `expired` from `pending`.
    Expire,
    /// Raise `refundAmount` (and move to `refunded` when `full`) from one of `from`.
    Refund {
        from: &'static [PurchaseStatus],
        change: RefundChange,
    },
}

/// The statuses a payment may complete from: a completion after `expired` or `failed` still completes,
/// because Stripe took the money.
pub const COMPLETABLE: &[PurchaseStatus] = &[
    PurchaseStatus::Pending,
    PurchaseStatus::Expired,
    PurchaseStatus::Failed,
];

/// The statuses a refund may apply to: a refund proves the payment, so one that arrives before the
/// completion still ends the purchase as refunded (the late completion then changes nothing).
pub const REFUNDABLE: &[PurchaseStatus] = &[
    PurchaseStatus::Pending,
    PurchaseStatus::Expired,
    PurchaseStatus::Failed,
    PurchaseStatus::Completed,
    PurchaseStatus::Refunded,
];

/// The transition `observation` makes on a purchase now in `status` with `refund_amount` cents refunded. Pure, so every ordering of events can be checked without a database.
pub fn transition(
    status: PurchaseStatus,
    refund_amount: i64,
    observation: &Observation,
) -> Transition {
    use PurchaseStatus as S;
    match observation {
        Observation::Paid { payment_intent } => {
            if COMPLETABLE.contains(&status) {
                Transition::Complete {
                    from: COMPLETABLE,
                    payment_intent: payment_intent.clone(),
                }
            } else {
                Transition::None
            }
        }
        Observation::AwaitingPayment { payment_intent } => match (status, payment_intent) {
            (S::Pending, Some(pi)) => Transition::NotePaymentIntent(pi.clone()),
            _ => Transition::None,
        },
        Observation::PaymentFailed if status == S::Pending => Transition::Fail,
        Observation::Expired if status == S::Pending => Transition::Expire,
        Observation::PaymentFailed | Observation::Expired => Transition::None,
        Observation::Refunded {
            amount_refunded,
            full,
        } => {
            // Refund events carry the charge's cumulative total, so the larger total wins whatever the order.
            let grows = *amount_refunded > refund_amount;
            let ends = *full && status != S::Refunded;
            if (grows || ends) && *amount_refunded >= 0 {
                Transition::Refund {
                    from: REFUNDABLE,
                    change: RefundChange {
                        refund_amount: (*amount_refunded).max(refund_amount),
                        full: *full || status == S::Refunded,
                    },
                }
            } else {
                Transition::None
            }
        }
    }
}
