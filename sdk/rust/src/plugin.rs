//! The plugin: its routes, tasks and extensions, and the exports that dispatch to them.

use std::cell::RefCell;
use std::rc::Rc;

use crate::host_workspace::{ActionRequest, ActionResult};
use crate::json::Value;
use crate::messages::*;
use crate::{code, ffi, Error, Result};

/// A route handler.
pub type Handler = Box<dyn Fn(&Request) -> Response>;
/// A scheduled task.
pub type Task = Box<dyn Fn(&TaskRequest) -> Result<()>>;
/// An extension's factory.
pub type Factory = Box<dyn Fn(&ExtensionRequest) -> Result<Outputs>>;
/// An element's render function: a UI tree (see [`crate::ui`]). An error renders as an
/// error box naming the extension; the rest of the page renders.
pub type Render = Box<dyn Fn(&RenderRequest) -> Result<Value>>;
/// A scaffolder action: its result, or an error that fails the task's step.
pub type Action = Box<dyn Fn(&ActionRequest) -> Result<ActionResult>>;

struct Route {
    method: String,
    pattern: String,
    handler: Handler,
}

/// What a plugin serves. `setup` (given to [`plugin!`](crate::plugin)) registers into it
/// once per instance.
#[derive(Default)]
pub struct Plugin {
    routes: Vec<Route>,
    tasks: Vec<(String, Task)>,
    factories: Vec<(String, Factory)>,
    renders: Vec<(String, Render)>,
    actions: Vec<(String, Action)>,
}

/// Which export is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Http,
    Task,
    Extension,
    Render,
    Action,
}

/// Whether path matches pattern (literal segments, `:name`, a final `*`), with its params.
pub fn match_route(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, p) in pat.iter().enumerate() {
        if *p == "*" && i == pat.len() - 1 {
            params.push(("*".to_string(), segs.get(i..).map(|s| s.join("/")).unwrap_or_default()));
            return Some(params);
        }
        let s = segs.get(i)?;
        if let Some(name) = p.strip_prefix(':') {
            if s.is_empty() {
                return None;
            }
            params.push((name.to_string(), s.to_string()));
        } else if p != s {
            return None;
        }
    }
    if segs.len() == pat.len() {
        Some(params)
    } else {
        None
    }
}

impl Plugin {
    pub fn new() -> Plugin {
        Plugin::default()
    }

    /// Registers a handler for "METHOD /pattern" (`*` for any method), as the manifest's
    /// routes declare them: literal segments, `:name` parameters, a final `*`.
    pub fn route(&mut self, spec: &str, h: impl Fn(&Request) -> Response + 'static) -> &mut Plugin {
        let (method, pattern) = spec.split_once(' ').unwrap_or(("*", spec));
        self.routes.push(Route { method: method.to_ascii_uppercase(), pattern: pattern.trim().to_string(), handler: Box::new(h) });
        self
    }

    /// Registers the scheduled task name (declared in the manifest's `tasks`).
    pub fn task(&mut self, name: &str, f: impl Fn(&TaskRequest) -> Result<()> + 'static) -> &mut Plugin {
        self.tasks.push((name.to_string(), Box::new(f)));
        self
    }

    /// Registers the scaffolder action id (declared in the manifest's `actions`, e.g.
    /// `acme:hello`); during its call the [`workspace`](crate::workspace) functions reach
    /// the task's workspace.
    pub fn action(&mut self, id: &str, f: impl Fn(&ActionRequest) -> Result<ActionResult> + 'static) -> &mut Plugin {
        self.actions.push((id.to_string(), Box::new(f)));
        self
    }

    /// Registers the factory of extension id (declared in the manifest's `extensions`).
    pub fn extension(&mut self, id: &str, f: impl Fn(&ExtensionRequest) -> Result<Outputs> + 'static) -> &mut Plugin {
        self.factories.push((id.to_string(), Box::new(f)));
        self
    }

    /// Registers the render function of extension id's element.
    pub fn render(&mut self, id: &str, f: impl Fn(&RenderRequest) -> Result<Value> + 'static) -> &mut Plugin {
        self.renders.push((id.to_string(), Box::new(f)));
        self
    }

    /// A card of the entity page. Declare it with attachTo {id: page:catalog/entity,
    /// input: cards} and output [core.ui.element, catalog.entity-filter-expression?]; its
    /// config's "filter" (else default_filter) chooses the entities it shows on.
    pub fn entity_card(&mut self, id: &str, default_filter: &str, f: impl Fn(&RenderRequest) -> Result<Value> + 'static) -> &mut Plugin {
        let def = default_filter.to_string();
        self.extension(id, move |r| Ok(Outputs { element: Some(Value::object()), entity_filter: Some(r.config_string("filter", &def).to_string()), ..Default::default() }));
        self.render(id, f)
    }

    /// A tab of the entity page: attachTo {id: page:catalog/entity, input: tabs}, output
    /// [core.ui.element, core.title, core.routing.path, catalog.entity-filter-expression?].
    pub fn entity_tab(&mut self, id: &str, title: &str, path: &str, default_filter: &str, f: impl Fn(&RenderRequest) -> Result<Value> + 'static) -> &mut Plugin {
        let (t, p, def) = (title.to_string(), path.to_string(), default_filter.to_string());
        self.extension(id, move |r| {
            Ok(Outputs {
                element: Some(Value::object()),
                title: Some(r.config_string("title", &t).to_string()),
                route_path: Some(format!("/{}", r.config_string("path", &p).trim_start_matches('/'))),
                entity_filter: Some(r.config_string("filter", &def).to_string()),
                ..Default::default()
            })
        });
        self.render(id, f)
    }

    /// A page of the app: attachTo {id: app/routes, input: routes}, output
    /// [core.routing.path, core.ui.element]; config "path" overrides default_path.
    pub fn page(&mut self, id: &str, default_path: &str, f: impl Fn(&RenderRequest) -> Result<Value> + 'static) -> &mut Plugin {
        let (def, id_s) = (default_path.to_string(), id.to_string());
        self.extension(id, move |r| {
            let p = r.config_string("path", &def);
            if !p.starts_with('/') {
                return Err(Error::new(code::INVALID_ARGUMENT, format!("extension {}: config path {:?} must start with /", id_s, p)));
            }
            Ok(Outputs { route_path: Some(p.to_string()), element: Some(Value::object()), ..Default::default() })
        });
        self.render(id, f)
    }

    /// A navigation item: attachTo {id: app/nav, input: items}, output [core.nav.target].
    pub fn nav_item(&mut self, id: &str, title: &str, path: &str) -> &mut Plugin {
        let (t, p) = (title.to_string(), path.to_string());
        self.extension(id, move |r| {
            Ok(Outputs {
                nav_target: Some(NavTarget { title: r.config_string("title", &t).into(), path: r.config_string("path", &p).into(), icon: String::new() }),
                ..Default::default()
            })
        })
    }

    /// Serves one request: the route the host matched (`route`), else the first
    /// registered pattern that matches the path; 404 for none.
    pub fn serve(&self, req: &Request) -> Response {
        let method_ok = |r: &Route| r.method == "*" || r.method == req.method;
        let found = self
            .routes
            .iter()
            .find(|r| !req.route.is_empty() && r.pattern == req.route && method_ok(r))
            .map(|r| (r, None))
            .or_else(|| self.routes.iter().filter(|r| method_ok(r)).find_map(|r| match_route(&r.pattern, &req.path).map(|p| (r, Some(p)))));
        if let Some((r, params)) = found {
            // The host sends the params it matched; a request without them (a native
            // test's) gets the ones the pattern gives.
            if req.params.is_empty() && r.pattern.contains(|c| c == ':' || c == '*') {
                if let Some(p) = params.or_else(|| match_route(&r.pattern, &req.path)).filter(|p| !p.is_empty()) {
                    let mut with = req.clone();
                    with.params = p;
                    return (r.handler)(&with);
                }
            }
            return (r.handler)(req);
        }
        Response::error(&Error::new(code::NOT_FOUND, format!("no route for {} {}", req.method, req.path)))
    }

    pub fn run_task(&self, t: &TaskRequest) -> Result<()> {
        match self.tasks.iter().find(|(n, _)| *n == t.name) {
            Some((_, f)) => f(t),
            None => Err(Error::new(code::NOT_FOUND, format!("no task {:?}; register one with Plugin::task", t.name))),
        }
    }

    pub fn run_action(&self, r: &ActionRequest) -> Result<ActionResult> {
        match self.actions.iter().find(|(n, _)| *n == r.action) {
            Some((_, f)) => f(r),
            None => Err(Error::new(code::NOT_FOUND, format!("no action {:?}; register one with Plugin::action", r.action))),
        }
    }

    pub fn create_extension(&self, r: &ExtensionRequest) -> Result<Outputs> {
        match self.factories.iter().find(|(n, _)| *n == r.extension) {
            Some((_, f)) => f(r),
            None => Err(Error::new(code::NOT_FOUND, format!("no factory for extension {:?}; register one with Plugin::extension (or entity_card, entity_tab, page, nav_item)", r.extension))),
        }
    }

    pub fn render_element(&self, r: &RenderRequest) -> Result<Value> {
        match self.renders.iter().find(|(n, _)| *n == r.extension) {
            Some((_, f)) => f(r),
            None => Err(Error::new(code::NOT_FOUND, format!("no render function for extension {:?}; register one with Plugin::render (or entity_card, entity_tab, page)", r.extension))),
        }
    }

    /// Runs one export on its input message, as the host calls it: `Ok(output)` or
    /// `Err(error message)` for a non-zero return. Native tests call this directly.
    pub fn dispatch(&self, export: Export, input: &[u8]) -> std::result::Result<Vec<u8>, Vec<u8>> {
        let mut out = String::new();
        if self.dispatch_into(export, input, &mut out) {
            Ok(out.into_bytes())
        } else {
            Err(out.into_bytes())
        }
    }

    /// [`dispatch`](Plugin::dispatch) into out (cleared first), which the exports reuse
    /// from call to call: true for an output, false for an error message.
    pub(crate) fn dispatch_into(&self, export: Export, input: &[u8], out: &mut String) -> bool {
        out.clear();
        // The hot path: an HTTP request read straight into a Request, the response
        // written straight out. Anything read_request does not take goes the tree's way,
        // which accepts or refuses it as it always has.
        if export == Export::Http {
            let mut req = Request::default();
            if read_request(input, &mut req).is_some() {
                self.serve(&req).write_json(out);
                return true;
            }
        }
        let fail = |out: &mut String, e: Error| {
            e.to_value().write(out);
            false
        };
        let v = match Value::parse(input) {
            Ok(v) => v,
            Err(e) => return fail(out, Error::new(code::INVALID_ARGUMENT, format!("{:?}: the input message is not JSON: {}", export, e))),
        };
        let done = match export {
            Export::Http => Request::from_value(&v).map(|req| self.serve(&req).write_json(out)),
            Export::Task => TaskRequest::from_value(&v).and_then(|t| self.run_task(&t)),
            Export::Extension => ExtensionRequest::from_value(&v).and_then(|r| self.create_extension(&r)).map(|o| o.to_value().write(out)),
            Export::Action => ActionRequest::from_value(&v).and_then(|r| self.run_action(&r)).map(|res| res.to_value().write(out)),
            Export::Render => RenderRequest::from_value(&v).and_then(|r| self.render_element(&r)).map(|tree| tree.write(out)),
        };
        match done {
            Ok(()) => true,
            Err(e) => {
                out.clear();
                fail(out, e)
            }
        }
    }
}

thread_local! {
    static PLUGIN: RefCell<Option<Rc<Plugin>>> = RefCell::new(None);
}

/// The instance's plugin, set up on first use.
pub fn instance(setup: fn(&mut Plugin)) -> Rc<Plugin> {
    PLUGIN.with(|p| {
        if let Some(pl) = p.borrow().as_ref() {
            return pl.clone();
        }
        // A panic traps the call (wasm32 aborts on panic); say why in the host log first.
        // Natively (tests) the previous hook runs too, so a failed assertion still prints;
        // the hook is set once, however many threads (tests) set up an instance.
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            #[cfg(not(target_arch = "wasm32"))]
            let prev = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                crate::log::error(&format!("plugin panicked: {}", info));
                #[cfg(not(target_arch = "wasm32"))]
                prev(info);
            }));
        });
        let mut pl = Plugin::new();
        setup(&mut pl);
        let pl = Rc::new(pl);
        *p.borrow_mut() = Some(pl.clone());
        pl
    })
}

thread_local! {
    /// The exports' input and output buffers, kept from call to call so that a request
    /// costs no allocation for them once they have grown to its size.
    static BUFFERS: RefCell<(Vec<u8>, String)> = RefCell::new((Vec::new(), String::new()));
}

#[doc(hidden)]
pub fn __export(setup: fn(&mut Plugin), export: Export) -> i32 {
    let pl = instance(setup);
    BUFFERS.with(|b| {
        let (input, out) = &mut *b.borrow_mut();
        ffi::input_into(input);
        if pl.dispatch_into(export, input, out) {
            ffi::output(out.as_bytes());
            0
        } else {
            ffi::error(out.as_bytes());
            1
        }
    })
}
