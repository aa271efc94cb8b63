//! The words of each mail ferrodon sends.

use super::{Action, Notice};

/// Confirm the address given at sign-up, or one being changed to.
pub fn confirm_email(username: &str, url: &str, change: bool) -> Notice {
    let (subject, heading, first) = if change {
        (
            "Confirm your new email address",
            "Confirm your new address",
            format!(
                "@{username} asked to use this address for their account. Follow the link to confirm it; until then the old address stays in use."
            ),
        )
    } else {
        (
            "Confirm your email address",
            "Welcome! One more step",
            format!("You signed up as @{username}. Follow the link to confirm that this address is yours."),
        )
    };
    Notice {
        subject: subject.into(),
        heading: heading.into(),
        paragraphs: vec![first, "The link works once, for three days.".into()],
        action: Some(Action {
            label: "Confirm this address".into(),
            url: url.into(),
        }),
        footer: "If you did not ask for this, ignore this mail: nothing changes.".into(),
    }
}

/// Tell the old address that the account's address is being changed.
pub fn email_changing(username: &str, new_email: &str) -> Notice {
    Notice {
        subject: "Your email address is being changed".into(),
        heading: "A change of address was asked for".into(),
        paragraphs: vec![format!(
            "@{username} asked to use {new_email} instead of this address. The change takes effect once the new address is confirmed."
        )],
        action: None,
        footer: "If this was not you, change your password now and write to the staff.".into(),
    }
}

/// A link to choose a new password.
pub fn reset_password(username: &str, url: &str) -> Notice {
    Notice {
        subject: "Reset your password".into(),
        heading: "Choose a new password".into(),
        paragraphs: vec![
            format!("Someone asked to reset the password of @{username}. Follow the link to choose a new one."),
            "The link works once, for two hours. Choosing a new password signs you out everywhere, apps included.".into(),
        ],
        action: Some(Action {
            label: "Choose a new password".into(),
            url: url.into(),
        }),
        footer: "If you did not ask for this, ignore this mail: your password stays as it is.".into(),
    }
}

/// The password was changed (by reset or in settings).
pub fn password_changed(username: &str) -> Notice {
    Notice {
        subject: "Your password was changed".into(),
        heading: "Your password was changed".into(),
        paragraphs: vec![format!("The password of @{username} was just changed.")],
        action: None,
        footer: "If this was not you, reset your password at once and write to the staff.".into(),
    }
}

/// Two-factor sign-in was turned on or off.
pub fn two_factor_changed(username: &str, enabled: bool) -> Notice {
    let state = if enabled { "on" } else { "off" };
    Notice {
        subject: format!("Two-factor sign-in is {state}"),
        heading: format!("Two-factor sign-in is {state}"),
        paragraphs: vec![format!("Two-factor sign-in was turned {state} for @{username}.")],
        action: None,
        footer: "If this was not you, reset your password at once and write to the staff.".into(),
    }
}

/// Staff: a sign-up awaits approval.
pub fn pending_sign_up(username: &str, email: &str, reason: Option<&str>, url: &str) -> Notice {
    let mut paragraphs = vec![format!("@{username} ({email}) signed up and awaits approval.")];
    if let Some(reason) = reason.filter(|r| !r.is_empty()) {
        paragraphs.push(format!("Their reason: \u{201c}{reason}\u{201d}"));
    }
    Notice {
        subject: format!("New sign-up awaiting approval: @{username}"),
        heading: "A sign-up awaits approval".into(),
        paragraphs,
        action: Some(Action {
            label: "Review pending accounts".into(),
            url: url.into(),
        }),
        footer: "You get this mail as staff; turn it off in your settings under Preferences.".into(),
    }
}

/// Staff: a new report.
pub fn new_report(reporter: &str, target: &str, comment: &str, url: &str) -> Notice {
    let mut paragraphs = vec![format!("{reporter} reported {target}.")];
    if !comment.is_empty() {
        paragraphs.push(format!("Their comment: \u{201c}{comment}\u{201d}"));
    }
    Notice {
        subject: format!("New report about {target}"),
        heading: "A new report".into(),
        paragraphs,
        action: Some(Action {
            label: "Open the report".into(),
            url: url.into(),
        }),
        footer: "You get this mail as staff; turn it off in your settings under Preferences.".into(),
    }
}

/// The applicant: approved or rejected.
pub fn sign_up_decided(username: &str, approved: bool, sign_in_url: &str) -> Notice {
    if approved {
        Notice {
            subject: "Your account was approved".into(),
            heading: "Welcome aboard".into(),
            paragraphs: vec![format!("The staff approved @{username}. You can sign in now.")],
            action: Some(Action {
                label: "Sign in".into(),
                url: sign_in_url.into(),
            }),
            footer: "You get this mail because you signed up.".into(),
        }
    } else {
        Notice {
            subject: "Your sign-up was not accepted".into(),
            heading: "Your sign-up was not accepted".into(),
            paragraphs: vec![format!(
                "The staff did not accept the sign-up of @{username}; the account was removed with the address it used."
            )],
            action: None,
            footer: "You get this mail because you signed up.".into(),
        }
    }
}

/// The member: staff acted on their account.
pub fn moderation_warning(username: &str, action: &str, text: &str) -> Notice {
    let what = match action {
        "disable" => "Your login was disabled: you cannot sign in or use apps for now.",
        "sensitive" => "Your media will be marked sensitive from now on.",
        "silence" => {
            "Your account was limited: only your followers see your posts, and others find you less easily."
        }
        "suspend" => "Your account was suspended: it can no longer be used, and others no longer see it.",
        "mark_statuses_as_sensitive" => "Some of your posts were marked sensitive.",
        "delete_statuses" => "Some of your posts were removed.",
        _ => "The staff sent you a warning.",
    };
    let mut paragraphs = vec![format!("About @{username}: {what}")];
    if !text.is_empty() {
        paragraphs.push(format!("The staff wrote: \u{201c}{text}\u{201d}"));
    }
    Notice {
        subject: "A notice about your account".into(),
        heading: "The staff acted on your account".into(),
        paragraphs,
        action: None,
        footer: "You get this mail because the staff of this server acted on your account. To object, write to them.".into(),
    }
}
