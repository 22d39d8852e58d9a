//! Outgoing mail over SMTP (lettre). Reset links are secrets: they go into the message and nowhere else.

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSettings, SmtpTls};

/// Sends the service's e-mails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> anyhow::Result<Self> {
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let (Some(user), Some(pass)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        let from = s
            .from
            .parse()
            .with_context(|| format!("MAIL_FROM `{}` is not a mailbox", s.from))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends the password-reset message with its single-use link.
    pub async fn send_password_reset(
        &self,
        to_name: &str,
        to_email: &str,
        link: &str,
        valid_minutes: u64,
    ) -> anyhow::Result<()> {
        let to = Mailbox::new(
            Some(to_name.to_owned()),
            to_email.parse().context("recipient address")?,
        );
        let body = format!(
            "Hello {to_name},\n\nSomeone asked to reset the password of your account. To choose a new password, \
             open this link within {valid_minutes} minutes:\n\n{link}\n\nThe link works once. If you did not ask \
             for this, ignore this message; your password stays as it is.\n"
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Reset your password")
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .context("building the reset message")?;
        self.transport
            .send(message)
            .await
            .context("sending the reset message")?;
        Ok(())
    }
}
