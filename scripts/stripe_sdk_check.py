"""The official stripe-python SDK against the Stripe simulator: proof, independent of our Rust code and of
async-stripe, that what the simulator answers and sends is what Stripe's own client expects.

    python scripts/stripe_sdk_check.py <simulator base URL> <secret key> <webhook secret>

Creates a coupon and two Checkout Sessions (with and without it), pays one through the simulator's page
and one through its control route, lists sessions, coupons and events, refunds, checks that an unknown
parameter is refused as Stripe refuses it, and verifies every webhook delivered to a local receiver with
stripe.Webhook.construct_event. Prints a JSON summary; exits 1 on the first failed check. Run by
stripe-sim/tests/api/sdk.rs (through ./scripts/test, which installs the pinned `stripe` in .venv).
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe


def check(condition, message):
    if not condition:
        print(json.dumps({"ok": False, "failed": message}))
        sys.exit(1)


class Receiver(BaseHTTPRequestHandler):
    """The webhook endpoint: keeps each body's exact bytes and its Stripe-Signature header."""

    received = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            Receiver.received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def post_form(url, fields):
    """POSTs a form without following the redirect (the success URL is not served here)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = urllib.parse.urlencode(fields)
    conn.request("POST", parts.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def control(base, path):
    request = urllib.request.Request(f"{base}/_sim/{path}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def course_session(**extra):
    return stripe.checkout.Session.create(
        mode="payment",
        line_items=[
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 1999,
                    "product_data": {"name": "Rust for Pythonistas"},
                },
                "quantity": 1,
            }
        ],
        success_url="http://localhost:5173/payment/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://localhost:5173/courses/c1",
        metadata={"courseId": "course-1", "purchaseId": "purchase-1"},
        **extra,
    )


def main():
    base, secret_key, webhook_secret = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    stripe.api_key = secret_key
    stripe.api_base = base

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    control(base, "webhook?" + urllib.parse.urlencode({"url": hook}))

    # A coupon, retrieved and listed.
    coupon = stripe.Coupon.create(id="SDK25", percent_off=25, duration="once", name="SDK 25 %")
    check(coupon.id == "SDK25" and coupon.percent_off == 25 and coupon.valid, f"coupon: {coupon}")
    check(stripe.Coupon.retrieve("SDK25").times_redeemed == 0, "retrieved coupon")
    check([c.id for c in stripe.Coupon.list(limit=10).data] == ["SDK25"], "coupon list")

    # Without a coupon: paid through the page's form with the address the customer types.
    plain = course_session()
    check(plain.status == "open" and plain.url and plain.amount_total == 1999, f"session: {plain}")
    check(post_form(plain.url, {"action": "pay", "email": "ada@example.com"}) == 303, "page pay")
    paid = stripe.checkout.Session.retrieve(plain.id)
    check(paid.status == "complete" and paid.payment_status == "paid", f"paid: {paid.status}")
    check(paid.url is None, "a completed session has no url")
    check(paid.customer_details.email == "ada@example.com", "customer_details.email from the page")

    # With the coupon: 25 % of 19.99 is 4.9975, rounded to 5.00; paid through the control route.
    discounted = course_session(discounts=[{"coupon": "SDK25"}], customer_email="bob@example.com")
    check(discounted.amount_subtotal == 1999, "subtotal")
    check(discounted.total_details.amount_discount == 500, "discount rounded half up")
    check(discounted.amount_total == 1499, "total after the discount")
    check(discounted.discounts[0].coupon == "SDK25", "discounts on the session")
    control(base, f"sessions/{discounted.id}/pay")
    done = stripe.checkout.Session.retrieve(discounted.id)
    check(done.customer_details.email == "bob@example.com", "customer_email kept")
    check(stripe.Coupon.retrieve("SDK25").times_redeemed == 1, "the coupon was redeemed once")

    listed = stripe.checkout.Session.list(limit=1)
    check(listed.data[0].id == discounted.id and listed.has_more, "newest session first")
    older = stripe.checkout.Session.list(limit=1, starting_after=discounted.id)
    newer = stripe.checkout.Session.list(limit=1, ending_before=plain.id)
    check(older.data[0].id == plain.id and newer.data[0].id == discounted.id, "both cursors")

    # Refunds: part, then the rest.
    first = stripe.Refund.create(payment_intent=paid.payment_intent, amount=500)
    rest = stripe.Refund.create(payment_intent=paid.payment_intent)
    check(first.status == "succeeded" and first.amount == 500 and rest.amount == 1499, "refunds")

    # Stripe's refusal of an unknown parameter, as the SDK surfaces it.
    try:
        course_session(colour="red")
        check(False, "an unknown parameter was accepted")
    except stripe.InvalidRequestError as e:
        check(e.code == "parameter_unknown" and e.param == "colour", f"unknown parameter: {e}")
        check(e.http_status == 400, "unknown parameter status")

    # Every event listed (auto-paging through the list) is delivered, and every delivery verifies.
    events = list(stripe.Event.list(limit=3).auto_paging_iter())
    ids = {e.id for e in events}
    kinds = sorted(e.type for e in events)
    deadline = time.time() + 15
    while time.time() < deadline:
        with Receiver.lock:
            delivered = list(Receiver.received)
        if {json.loads(body)["id"] for body, _ in delivered} >= ids:
            break
        time.sleep(0.1)
    check({json.loads(body)["id"] for body, _ in delivered} >= ids, "every event delivered")
    for body, signature in delivered:
        event = stripe.Webhook.construct_event(body, signature, webhook_secret)
        check(event.id in ids, f"delivered event {event.id} is listed")
        check(body.startswith(b'{\n  "'), "webhook bodies are pretty-printed")
    try:
        stripe.Webhook.construct_event(delivered[0][0] + b" ", delivered[0][1], webhook_secret)
        check(False, "a tampered body verified")
    except stripe.SignatureVerificationError:
        pass

    server.shutdown()
    print(
        json.dumps(
            {"ok": True, "sdk": stripe.VERSION, "events": kinds, "deliveries": len(delivered)}
        )
    )


if __name__ == "__main__":
    main()
