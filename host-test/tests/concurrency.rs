//! Many tasks at once from one `Host` (one engine, one connection pool), each on
//! its own instance: every result must belong to its own input.

mod common;

use common::{host, lines, sandbox, setup_for};
use host_test::types::{GetContactInput, GetDealInput, GetOwnerInput, IdType};
use serde_json::json;

const TASKS: usize = 64;

/// One task's input and the value its output must carry.
#[derive(Clone, Debug)]
enum Job {
    /// Get Contact by ID (typed call); the email must match.
    ContactById { id: String, email: String },
    /// Get Contact by email (through `execute`); the ID must match.
    ContactByEmail { id: String, email: String },
    /// Get Deal (typed call); the deal name must match.
    Deal { id: &'static str, name: &'static str },
    /// Get Owner (typed call); the email must match.
    Owner { id: &'static str, email: &'static str },
    /// Get Company (through `execute`); the company name must match.
    Company { id: &'static str, name: &'static str },
}

fn jobs(contact_ids: &[String]) -> Vec<Job> {
    let deals = [("9001", "Q3 renewal"), ("9002", "Starter plan"), ("9003", "Pilot")];
    let owners = [("1001", "maria.silva@example.com"), ("1002", "kenji.tanaka@example.com")];
    let companies = [("700", "Lima Consulting"), ("701", "Atlas Freight"), ("702", "Blue Harbor")];

    (0..TASKS)
        .map(|i| {
            let contact = &contact_ids[i % contact_ids.len()];
            let email = format!("sandbox.contact.{contact}@example.com");
            match i % 5 {
                0 => Job::ContactById { id: contact.clone(), email },
                1 => Job::ContactByEmail { id: contact.clone(), email },
                2 => {
                    let (id, name) = deals[i % deals.len()];
                    Job::Deal { id, name }
                }
                3 => {
                    let (id, email) = owners[i % owners.len()];
                    Job::Owner { id, email }
                }
                _ => {
                    let (id, name) = companies[i % companies.len()];
                    Job::Company { id, name }
                }
            }
        })
        .collect()
}

/// Runs `job` and returns an error text when its output does not match its input.
async fn run_job(setup: host_test::Setup, job: Job) -> Result<(), String> {
    let host = host();
    match &job {
        Job::ContactById { id, email } => {
            let input = GetContactInput { contact_id_or_email: id.clone(), custom_properties: None };
            let output = host.get_contact(&setup, &input).await.map_err(|trap| format!("{trap:?}"))?;
            let contact = output.map_err(|error| format!("{job:?}: {error:?}"))?;
            if contact.contact_id != *id || contact.email.as_deref() != Some(email.as_str()) {
                return Err(format!("{job:?} returned contact {} <{:?}>", contact.contact_id, contact.email));
            }
        }
        Job::ContactByEmail { id, email } => {
            let input = json!({"contact-id-or-email": email}).to_string();
            let output = host.execute(&setup, "TASK_GET_CONTACT", &input).await.map_err(|trap| format!("{trap:?}"))?;
            let text = output.map_err(|error| format!("{job:?}: {error:?}"))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if value["contact-id"] != json!(id) {
                return Err(format!("{job:?} returned {text}"));
            }
        }
        Job::Deal { id, name } => {
            let input = GetDealInput { deal_id: id.to_string(), custom_properties: None };
            let output = host.get_deal(&setup, &input).await.map_err(|trap| format!("{trap:?}"))?;
            let deal = output.map_err(|error| format!("{job:?}: {error:?}"))?;
            if deal.deal_name.as_deref() != Some(*name) {
                return Err(format!("{job:?} returned deal {:?}", deal.deal_name));
            }
        }
        Job::Owner { id, email } => {
            let input = GetOwnerInput { id_type: IdType::OwnerId, id: id.to_string() };
            let output = host.get_owner(&setup, &input).await.map_err(|trap| format!("{trap:?}"))?;
            let owner = output.map_err(|error| format!("{job:?}: {error:?}"))?;
            if owner.owner_id != *id || owner.email.as_deref() != Some(*email) {
                return Err(format!("{job:?} returned owner {} <{:?}>", owner.owner_id, owner.email));
            }
        }
        Job::Company { id, name } => {
            let input = json!({"company-id": id}).to_string();
            let output = host.execute(&setup, "TASK_GET_COMPANY", &input).await.map_err(|trap| format!("{trap:?}"))?;
            let text = output.map_err(|error| format!("{job:?}: {error:?}"))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if value["company-name"] != json!(name) {
                return Err(format!("{job:?} returned {text}"));
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_tasks_keep_their_results() {
    let sandbox = sandbox();
    let contact_ids = sandbox.seed_contacts(40);
    let setup = setup_for(&sandbox);

    let mut handles = Vec::new();
    for job in jobs(&contact_ids) {
        handles.push(tokio::spawn(run_job(setup.clone(), job)));
    }
    let mut failures = Vec::new();
    for handle in handles {
        if let Err(message) = handle.await.expect("the task does not panic") {
            failures.push(message);
        }
    }

    assert!(failures.is_empty(), "{} of {TASKS} tasks failed: {failures:#?}", failures.len());
    assert_eq!(sandbox.requests().len(), TASKS, "requests: {:?}", lines(&sandbox));
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_sessions_keep_their_setups() {
    // Two sandboxes with different tokens: each session must send its own token
    // to its own server.
    let first = sandbox();
    let second = host_test::sandbox::Sandbox::start_with(host_test::sandbox::SandboxOptions {
        token: "pat-second-sandbox-token".into(),
        ..Default::default()
    })
    .expect("the second sandbox starts");

    let mut handles = Vec::new();
    for i in 0..32 {
        let setup = if i % 2 == 0 { setup_for(&first) } else { setup_for(&second) };
        handles.push(tokio::spawn(async move {
            let mut session = host().session(&setup).await.expect("the session starts");
            session.execute("TASK_GET_DEAL", r#"{"deal-id":"9001"}"#).await
        }));
    }
    for handle in handles {
        let output = handle.await.expect("the task does not panic").expect("the component does not trap");
        assert!(output.is_ok(), "output: {output:?}");
    }

    assert_eq!(first.requests().len(), 16, "first sandbox: {:?}", lines(&first));
    assert_eq!(second.requests().len(), 16, "second sandbox: {:?}", lines(&second));
    for request in second.requests() {
        assert_eq!(request.header("authorization"), Some("Bearer pat-second-sandbox-token"));
    }
}
