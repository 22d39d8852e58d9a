//! The state machine against every status and every ordering of a purchase's events.

use super::*;
use PurchaseStatus as S;

fn paid() -> Observation {
    Observation::Paid {
        payment_intent: Some("pi_1".into()),
    }
}

/// Applies a transition the way the store does: only when the status is one it may come from.
fn apply(status: S, refund: i64, obs: &Observation) -> (S, i64) {
    match transition(status, refund, obs) {
        Transition::None | Transition::NotePaymentIntent(_) => (status, refund),
        Transition::Complete { from, .. } => {
            assert!(from.contains(&status));
            (S::Completed, refund)
        }
        Transition::Fail => (S::Failed, refund),
        Transition::Expire => (S::Expired, refund),
        Transition::Refund { from, change } => {
            assert!(from.contains(&status));
            let next = if change.full { S::Refunded } else { status };
            (next, change.refund_amount)
        }
    }
}

#[test]
fn statuses_round_trip_through_their_names() {
    for s in S::ALL {
        assert_eq!(s.as_str().parse::<S>().unwrap(), s);
    }
    assert!("paid".parse::<S>().is_err());
}

#[test]
fn a_paid_session_completes_a_pending_expired_or_failed_purchase_only() {
    for s in [S::Pending, S::Expired, S::Failed] {
        assert_eq!(apply(s, 0, &paid()).0, S::Completed, "from {s}");
    }
    for s in [S::Completed, S::Refunded] {
        assert_eq!(transition(s, 0, &paid()), Transition::None, "from {s}");
    }
}

#[test]
fn expiry_and_failure_only_leave_pending() {
    assert_eq!(apply(S::Pending, 0, &Observation::Expired).0, S::Expired);
    assert_eq!(
        apply(S::Pending, 0, &Observation::PaymentFailed).0,
        S::Failed
    );
    for s in [S::Completed, S::Refunded, S::Expired, S::Failed] {
        assert_eq!(transition(s, 0, &Observation::Expired), Transition::None);
        assert_eq!(
            transition(s, 0, &Observation::PaymentFailed),
            Transition::None
        );
    }
}

#[test]
fn an_unpaid_completion_keeps_the_purchase_pending_and_notes_the_payment_intent() {
    let obs = Observation::AwaitingPayment {
        payment_intent: Some("pi_9".into()),
    };
    assert_eq!(
        transition(S::Pending, 0, &obs),
        Transition::NotePaymentIntent("pi_9".into())
    );
    assert_eq!(transition(S::Completed, 0, &obs), Transition::None);
    assert_eq!(apply(S::Pending, 0, &obs).0, S::Pending);
}

#[test]
fn partial_refunds_add_up_and_a_full_one_ends_the_purchase() {
    let partial = |n| Observation::Refunded {
        amount_refunded: n,
        full: false,
    };
    let (s, r) = apply(S::Completed, 0, &partial(1000));
    assert_eq!((s, r), (S::Completed, 1000));
    let (s, r) = apply(s, r, &partial(2500));
    assert_eq!((s, r), (S::Completed, 2500));
    // An older partial event arriving late changes nothing.
    assert_eq!(transition(s, r, &partial(1000)), Transition::None);
    let full = Observation::Refunded {
        amount_refunded: 4999,
        full: true,
    };
    assert_eq!(apply(s, r, &full), (S::Refunded, 4999));
    assert_eq!(transition(S::Refunded, 4999, &full), Transition::None);
    assert_eq!(transition(S::Refunded, 4999, &paid()), Transition::None);
}

/// Every permutation of a purchase's events ends in the state the set of events implies.
#[test]
fn every_order_of_a_purchases_events_ends_in_the_same_state() {
    let full = Observation::Refunded {
        amount_refunded: 4999,
        full: true,
    };
    let cases: Vec<(Vec<Observation>, S)> = vec![
        (vec![paid(), Observation::Expired], S::Completed),
        (vec![paid(), paid(), Observation::Expired], S::Completed),
        (vec![paid(), full.clone()], S::Refunded),
        (
            vec![paid(), full.clone(), Observation::Expired, paid()],
            S::Refunded,
        ),
        (
            vec![
                Observation::AwaitingPayment {
                    payment_intent: None,
                },
                paid(),
            ],
            S::Completed,
        ),
        (
            vec![
                Observation::AwaitingPayment {
                    payment_intent: None,
                },
                Observation::PaymentFailed,
            ],
            S::Failed,
        ),
        (vec![Observation::Expired, Observation::Expired], S::Expired),
    ];
    for (events, expected) in cases {
        for order in permutations(events.len()) {
            let mut state = (S::Pending, 0);
            for i in &order {
                state = apply(state.0, state.1, &events[*i]);
            }
            assert_eq!(state.0, expected, "{events:?} in order {order:?}");
        }
    }
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out
}
