//! hello-rust: the Greenroom example plugin in Rust, on sdk/rust (no crates).
//!
//! GET /hello?name=X answers {"message":"<greeting> X"}; greeting comes from the plugin's
//! config (default "hello"). A missing or empty name answers 400 with a JSON error.
use greenroom::{code, Error, Plugin, Request, Response, Value};

fn setup(p: &mut Plugin) {
    // An instance's config never changes (a reload starts new instances): read it once.
    let greeting = match greenroom::config("greeting") {
        Some(g) if !g.is_empty() => g,
        _ => "hello".to_string(),
    };
    p.route("GET /hello", move |r: &Request| hello(&greeting, r));
}

fn hello(greeting: &str, r: &Request) -> Response {
    match r.query_value("name") {
        // concat, not format!: the formatting machinery costs more than the rest of the
        // answer (this is the guest of the HTTP throughput benchmark).
        Some(name) if !name.is_empty() => Response::json(200, Value::obj(vec![("message", [greeting, " ", name].concat().into())])),
        _ => Response::error(&Error::new(code::INVALID_ARGUMENT, "query parameter name is required")),
    }
}

greenroom::plugin!(setup);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_hello_with_the_configured_greeting() {
        greenroom::testing::reset();
        greenroom::testing::set_config("greeting", "good morning");
        let mut p = Plugin::new();
        setup(&mut p);
        let req = Request { method: "GET".into(), path: "/hello".into(), query: vec![("name".into(), vec!["Ada".into()])], ..Default::default() };
        assert_eq!(p.serve(&req).content(), br#"{"message":"good morning Ada"}"#.to_vec());
        let bad = p.serve(&Request { method: "GET".into(), path: "/hello".into(), ..Default::default() });
        assert_eq!(bad.status, 400);
    }
}
