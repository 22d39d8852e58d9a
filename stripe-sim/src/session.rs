//! Checkout Sessions: the create parameters payment-service sends and the object Stripe answers with.
//!
//! Only `mode=payment` with inline `price_data` line items is implemented; anything else is refused with
//! Stripe's error shape so a caller notices at once instead of getting a half-right object.

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::params::{self, EXPAND, Shape};
use crate::rules;

/// Stripe accepts `expires_at` between 30 minutes and 24 hours from now.
const MIN_EXPIRY_SECS: i64 = 30 * 60;
const MAX_EXPIRY_SECS: i64 = 24 * 60 * 60;

/// `POST /v1/checkout/sessions` parameters: what the simulator implements (any other is refused as
/// unknown). `line_items[][price]` is known so that its refusal can say why.
pub const CREATE_PARAMS: &[(&str, Shape)] = &[
    ("mode", Shape::Leaf),
    (
        "line_items",
        Shape::List(&Shape::Hash(&[
            ("price", Shape::Leaf),
            (
                "price_data",
                Shape::Hash(&[
                    ("currency", Shape::Leaf),
                    ("unit_amount", Shape::Leaf),
                    ("product_data", Shape::Hash(&[("name", Shape::Leaf)])),
                ]),
            ),
            ("quantity", Shape::Leaf),
        ])),
    ),
    ("success_url", Shape::Leaf),
    ("cancel_url", Shape::Leaf),
    ("client_reference_id", Shape::Leaf),
    ("customer_email", Shape::Leaf),
    ("metadata", Shape::Free),
    (
        "payment_intent_data",
        Shape::Hash(&[("metadata", Shape::Free)]),
    ),
    ("payment_method_types", Shape::List(&Shape::Leaf)),
    ("expires_at", Shape::Leaf),
    ("allow_promotion_codes", Shape::Leaf),
    (
        "discounts",
        Shape::List(&Shape::Hash(&[("coupon", Shape::Leaf)])),
    ),
    EXPAND,
];

/// One decoded line item.
#[derive(Debug, Clone)]
pub struct LineItem {
    /// Product name shown on the page.
    pub name: String,
    /// Price per unit in the currency's minor unit.
    pub unit_amount: i64,
    /// How many.
    pub quantity: i64,
}

/// The create parameters the simulator understands.
#[derive(Debug, Clone)]
pub struct NewSession {
    currency: String,
    items: Vec<LineItem>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    client_reference_id: Option<String>,
    customer_email: Option<String>,
    metadata: Map<String, Value>,
    expires_at: i64,
    payment_method_types: Vec<Value>,
    allow_promotion_codes: Option<bool>,
    coupon: Option<String>,
}

/// A coupon applied to a new session: its id and the amount it takes off.
#[derive(Debug, Clone)]
pub struct Discount {
    /// The coupon id.
    pub coupon: String,
    /// The discount in the minor unit (already capped at the subtotal).
    pub amount: i64,
}

impl NewSession {
    /// Decodes `POST /v1/checkout/sessions` parameters; `now` bounds `expires_at`.
    pub fn parse(params: &Map<String, Value>, now: i64) -> Result<Self, ApiError> {
        params::check(params, CREATE_PARAMS)?;
        match params.get("mode").and_then(Value::as_str) {
            Some("payment") => {}
            Some(other) => {
                return Err(ApiError::invalid(
                    "mode",
                    format!("The simulator implements only mode=payment, not '{other}'."),
                ));
            }
            None => return Err(ApiError::missing("mode")),
        }
        let raw_items = match params.get("line_items") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(_) => return Err(ApiError::invalid("line_items", "Invalid array")),
            None => return Err(ApiError::missing("line_items")),
        };
        let mut currency: Option<String> = None;
        let mut items = Vec::with_capacity(raw_items.len());
        for (i, item) in raw_items.iter().enumerate() {
            let p = |field: &str| format!("line_items[{i}][{field}]");
            if item.get("price").is_some() {
                return Err(ApiError::invalid(
                    p("price"),
                    "The simulator has no Price objects: use line_items[][price_data].",
                ));
            }
            let data = item
                .get("price_data")
                .ok_or_else(|| ApiError::missing(&p("price_data")))?;
            let item_currency = rules::currency(
                &p("price_data][currency"),
                str_field(data, "currency")
                    .ok_or_else(|| ApiError::missing(&p("price_data][currency")))?,
            )?;
            if currency.as_ref().is_some_and(|c| *c != item_currency) {
                return Err(ApiError::invalid(
                    p("price_data][currency"),
                    "All line items must use one currency.",
                ));
            }
            currency = Some(item_currency);
            let unit_amount = integer(data, "unit_amount", &p("price_data][unit_amount"))?
                .ok_or_else(|| ApiError::missing(&p("price_data][unit_amount")))?;
            if unit_amount < 0 {
                return Err(ApiError::invalid(
                    p("price_data][unit_amount"),
                    "This value must be greater than or equal to 0.",
                ));
            }
            let name = data
                .get("product_data")
                .and_then(|d| str_field(d, "name"))
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ApiError::missing(&p("price_data][product_data][name")))?
                .to_owned();
            let quantity = integer(item, "quantity", &p("quantity"))?
                .ok_or_else(|| ApiError::missing(&p("quantity")))?;
            if quantity < 1 {
                return Err(ApiError::invalid(
                    p("quantity"),
                    "This value must be greater than or equal to 1.",
                ));
            }
            items.push(LineItem {
                name,
                unit_amount,
                quantity,
            });
        }
        let expires_at = match integer_at(params, "expires_at")? {
            Some(at) if !(now + MIN_EXPIRY_SECS..=now + MAX_EXPIRY_SECS).contains(&at) => {
                return Err(ApiError::invalid(
                    "expires_at",
                    "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                ));
            }
            Some(at) => at,
            None => now + MAX_EXPIRY_SECS,
        };
        let metadata = match params.get("metadata") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::String(s)) if s.is_empty() => Map::new(),
            Some(_) => return Err(ApiError::invalid("metadata", "Invalid hash")),
            None => Map::new(),
        };
        rules::metadata("metadata", &metadata)?;
        if let Some(Value::Object(m)) = params
            .get("payment_intent_data")
            .and_then(|d| d.get("metadata"))
        {
            rules::metadata("payment_intent_data[metadata]", m)?;
        }
        let payment_method_types = match params.get("payment_method_types") {
            Some(Value::Array(types)) => types.clone(),
            _ => vec![json!("card")],
        };
        let text = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_owned);
        for key in ["success_url", "cancel_url"] {
            if let Some(url) = text(key) {
                rules::url(key, &url)?;
            }
        }
        if let Some(email) = text("customer_email") {
            rules::email("customer_email", &email)?;
        }
        let allow_promotion_codes = match text("allow_promotion_codes").as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                return Err(ApiError::invalid(
                    "allow_promotion_codes",
                    format!("Invalid boolean: {other}"),
                ));
            }
        };
        let coupon = match params.get("discounts") {
            None => None,
            Some(Value::Array(list)) if list.len() > 1 => {
                return Err(ApiError::invalid(
                    "discounts",
                    "You may only specify one discount for a Checkout Session in payment mode.",
                ));
            }
            Some(list) => match list.pointer("/0/coupon").and_then(Value::as_str) {
                Some(c) if !c.is_empty() => Some(c.to_owned()),
                _ => return Err(ApiError::missing("discounts[0][coupon]")),
            },
        };
        if allow_promotion_codes.is_some() && coupon.is_some() {
            return Err(ApiError::state(
                "You may only specify one of these parameters: allow_promotion_codes, discounts.",
            ));
        }
        Ok(Self {
            currency: currency.unwrap_or_default(),
            items,
            success_url: text("success_url"),
            cancel_url: text("cancel_url"),
            client_reference_id: text("client_reference_id"),
            customer_email: text("customer_email"),
            metadata,
            expires_at,
            payment_method_types,
            allow_promotion_codes,
            coupon,
        })
    }

    /// The coupon id of `discounts[0][coupon]`, if any (the store resolves it).
    pub fn coupon(&self) -> Option<&str> {
        self.coupon.as_deref()
    }

    /// The session's currency.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// What the line items add up to before discounts.
    pub fn subtotal(&self) -> i64 {
        self.items.iter().map(|i| i.unit_amount * i.quantity).sum()
    }

    /// Refuses an amount due under Stripe's minimum charge; a coupon that makes the order free is fine
    /// (Stripe's no-cost orders: `payment_status: no_payment_required`).
    pub fn check_amount_due(&self, discount: Option<&Discount>) -> Result<(), ApiError> {
        let off = discount.map_or(0, |d| d.amount);
        let due = self.subtotal() - off;
        if due == 0 && off > 0 {
            return Ok(());
        }
        rules::minimum_charge(due, &self.currency)
    }

    /// The decoded line items.
    pub fn items(&self) -> &[LineItem] {
        &self.items
    }

    /// The session object as Stripe renders it at creation (status open, unpaid, no payment intent yet).
    pub fn into_object(self, id: &str, url: &str, now: i64, discount: Option<&Discount>) -> Value {
        let subtotal = self.subtotal();
        let off = discount.map_or(0, |d| d.amount);
        let discounts: Vec<Value> = discount
            .iter()
            .map(|d| json!({ "coupon": d.coupon, "promotion_code": null }))
            .collect();
        json!({
            "id": id,
            "object": "checkout.session",
            "adaptive_pricing": { "enabled": false },
            "after_expiration": null,
            "allow_promotion_codes": self.allow_promotion_codes,
            "amount_subtotal": subtotal,
            "amount_total": subtotal - off,
            "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
            "billing_address_collection": null,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "client_secret": null,
            "collected_information": null,
            "consent": null,
            "consent_collection": null,
            "created": now,
            "currency": self.currency,
            "currency_conversion": null,
            "custom_fields": [],
            "custom_text": {
                "after_submit": null,
                "shipping_address": null,
                "submit": null,
                "terms_of_service_acceptance": null
            },
            "customer": null,
            "customer_creation": "if_required",
            "customer_details": null,
            "customer_email": self.customer_email,
            "discounts": discounts,
            "expires_at": self.expires_at,
            "invoice": null,
            "invoice_creation": null,
            "livemode": false,
            "locale": null,
            "metadata": self.metadata,
            "mode": "payment",
            "payment_intent": null,
            "payment_link": null,
            "payment_method_collection": "if_required",
            "payment_method_configuration_details": null,
            "payment_method_options": {},
            "payment_method_types": self.payment_method_types,
            "payment_status": "unpaid",
            "phone_number_collection": { "enabled": false },
            "recovered_from": null,
            "saved_payment_method_options": null,
            "setup_intent": null,
            "shipping_address_collection": null,
            "shipping_cost": null,
            "shipping_options": [],
            "status": "open",
            "submit_type": null,
            "subscription": null,
            "success_url": self.success_url,
            "total_details": { "amount_discount": off, "amount_shipping": 0, "amount_tax": 0 },
            "ui_mode": "hosted_page",
            "url": url,
            "wallet_options": null,
            "_sim_line_items": self.items.iter().map(|i| json!({
                "name": i.name, "unit_amount": i.unit_amount, "quantity": i.quantity
            })).collect::<Vec<_>>(),
        })
    }
}

/// The public object: the session without the simulator's private fields (`_sim_…`).
pub fn public(session: &Value) -> Value {
    let mut out = session.clone();
    if let Value::Object(map) = &mut out {
        map.retain(|k, _| !k.starts_with("_sim_"));
    }
    out
}

/// The first line item's name, for the page title.
pub fn title(session: &Value) -> String {
    let names: Vec<&str> = session["_sim_line_items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["name"].as_str()).collect())
        .unwrap_or_default();
    names.join(", ")
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn integer(v: &Value, key: &str, param: &str) -> Result<Option<i64>, ApiError> {
    match v.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(param, format!("Invalid integer: {s}"))),
        Some(_) => Err(ApiError::invalid(param, "Invalid integer")),
    }
}

fn integer_at(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiError> {
    match params.get(key) {
        None => Ok(None),
        Some(v) => integer(&json!({ key: v }), key, key),
    }
}
