//! `supervision_tree!`: parse → model → validate → expand.

mod captures;
pub(crate) mod expand;
pub(crate) mod model;
pub(crate) mod parse;
pub(crate) mod validate;

use proc_macro2::TokenStream;

use crate::ctxt::Errors;

/// The whole macro on token streams: the expansion, with a `compile_error!` for every mistake
/// next to the best expansion that could still be made.
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut tree = match parse::parse(input, &mut errors) {
        Ok(tree) => tree,
        Err(e) => {
            errors.push(e);
            return errors.into_compile_errors();
        }
    };
    validate::validate(&mut tree, &mut errors);
    if tree.binding.is_none() {
        let root_ty = tree.root.ty.clone();
        captures::check(&mut tree.root, &root_ty, &mut errors);
    }
    let expansion = expand::expand(&tree, &mut errors);
    let compile_errors = errors.into_compile_errors();
    quote::quote! {
        #compile_errors
        #expansion
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model and the messages of every mistake in `input`.
    fn check(input: &str) -> (Option<model::Tree>, Vec<String>) {
        let mut errors = Errors::default();
        let tree = match parse::parse(input.parse().unwrap(), &mut errors) {
            Ok(mut tree) => {
                validate::validate(&mut tree, &mut errors);
                Some(tree)
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        (tree, errors.messages())
    }

    const FULL: &str = r#"
        /// Docs.
        pub supervisor App {
            strategy: rest_for_one,
            intensity: 5 within 10s,
            worker db: Db = Db::new("x"), restart: transient, shutdown: 5s;
            worker cache: Cache = || Cache::connect(), shutdown: brutal;
            pool jobs: Job, max_children: infinity, partitions: per_thread;
            supervisor web: Web {
                strategy: one_for_all,
                restart: temporary,
                depends_on: [db],
                worker acceptor: Acceptor;
                worker conn: Conn = Conn::new(), depends_on: [acceptor];
                /// Sessions.
                pool sessions: Session, max_children: 10_000, intensity: 3 within 5s,
                    restart: temporary, shutdown: 2s, partitions: 2, depends_on: [acceptor];
            }
        }
    "#;

    #[test]
    fn parses_every_part_of_a_tree() {
        let (tree, errors) = check(FULL);
        assert_eq!(errors, Vec::<String>::new());
        let tree = tree.unwrap();
        let root = &tree.root;
        assert_eq!(root.name.to_string(), "app");
        assert!(root.strategy.map(|(s, _)| s) == Some(model::Strategy::RestForOne));
        let intensity = root.intensity.as_ref().unwrap();
        assert_eq!(intensity.max_restarts, 5);
        assert_eq!(intensity.period, std::time::Duration::from_secs(10));
        let names: Vec<String> = root.children.iter().map(|c| c.name().to_string()).collect();
        assert_eq!(names, ["db", "cache", "jobs", "web"]);
        let model::Child::Worker(cache) = &root.children[1] else {
            panic!()
        };
        assert!(matches!(cache.value, Some(model::Value::Factory(_))));
        assert!(matches!(
            cache.opts.shutdown,
            Some((model::Shutdown::Brutal, _))
        ));
        let model::Child::Supervisor(web) = &root.children[3] else {
            panic!()
        };
        assert!(web.opts.restart.map(|(r, _)| r) == Some(model::Restart::Temporary));
        let model::Child::Worker(acceptor) = &web.children[0] else {
            panic!()
        };
        assert!(acceptor.value.is_none() && acceptor.ty.is_some());
    }

    #[test]
    fn parses_a_pool_and_keeps_its_instances_options_apart_from_its_own() {
        let (tree, errors) = check(FULL);
        assert_eq!(errors, Vec::<String>::new());
        let tree = tree.unwrap();
        let model::Child::Pool(jobs) = &tree.root.children[2] else {
            panic!()
        };
        assert!(jobs.max_children.is_none() && jobs.intensity.is_none());
        assert!(jobs.partitions.map(|(p, _)| p) == Some(model::Partitions::PerThread));
        let model::Child::Supervisor(web) = &tree.root.children[3] else {
            panic!()
        };
        let model::Child::Pool(sessions) = &web.children[2] else {
            panic!()
        };
        assert_eq!(sessions.name.to_string(), "sessions");
        assert_eq!(sessions.docs.len(), 1);
        assert_eq!(sessions.max_children.map(|(m, _)| m), Some(10_000));
        let intensity = sessions.intensity.as_ref().unwrap();
        assert_eq!(
            (intensity.max_restarts, intensity.period),
            (3, std::time::Duration::from_secs(5))
        );
        assert!(sessions.partitions.map(|(p, _)| p) == Some(model::Partitions::Fixed(2)));
        // `restart` and `shutdown` are the instances'; the pool's own stay a supervisor's.
        assert!(sessions.instances.restart.map(|(r, _)| r) == Some(model::Restart::Temporary));
        assert!(matches!(
            sessions.instances.shutdown,
            Some((model::Shutdown::Timeout(d), _)) if d == std::time::Duration::from_secs(2)
        ));
        assert!(sessions.opts.restart.is_none() && sessions.opts.shutdown.is_none());
        assert_eq!(sessions.opts.depends_on[0].to_string(), "acceptor");
    }

    #[test]
    fn expands_a_pool_to_its_spec_and_a_typed_key() {
        let out = supervision_tree(FULL.parse().unwrap()).to_string();
        assert!(out.contains("ChildSpec :: pool :: < Session >"), "{out}");
        assert!(out.contains("workers (\"sessions\") . max_children (10000) . intensity (3u32 ,"));
        assert!(out.contains(". partitions (:: supervisor :: Partitions :: Fixed (2))"));
        assert!(out.contains(". partitions (:: supervisor :: Partitions :: PerThread)"));
        assert!(out.contains(
            "const SESSIONS : :: supervisor :: PoolKey < app_supervision_tree :: AppChild , Session > = :: supervisor :: PoolKey :: new (app_supervision_tree :: AppChild :: Web (app_supervision_tree :: WebChild :: Sessions))"
        ), "{out}");
        assert!(out.contains(
            "const JOBS : :: supervisor :: PoolKey < app_supervision_tree :: AppChild , Job > = :: supervisor :: PoolKey :: new (app_supervision_tree :: AppChild :: Jobs)"
        ));
        // The docs show it as a pool.
        assert!(out.contains("sessions: pool of Session  (at most 10000, 3 within 5s, 2 partitions)  [instances: temporary, shutdown 2s; depends on acceptor]"), "{out}");
        assert!(out.contains("jobs: pool of Job  (no limit, 1 within 5s, a partition per thread)"));
    }

    #[test]
    fn reports_every_mistake_on_a_pool_and_keeps_the_pool() {
        let (tree, errors) = check(
            "supervisor App {
                pool a: A = A::new(), max_children: 0, strategy: one_for_all, partitions: 0;
                pool b: B { worker x: X; }
                pool c: C, restart: temporary, restart: transient, max_chidren: 3, partitions: per_core;
            }",
        );
        assert_eq!(errors.len(), 8, "{errors:?}");
        assert!(
            errors[0].starts_with("a pool has no value"),
            "{}",
            errors[0]
        );
        assert!(errors[0].contains("`tree.pool(App::A).await?.start(…)`"));
        assert!(errors[1].contains("`max_children: 0` could never start an instance"));
        assert!(errors[2].contains("a pool is always `one_for_one`"));
        assert!(errors[3].contains("at least one partition"));
        assert!(errors[4].starts_with("a pool has no body"));
        assert!(errors[5].contains("`restart` is set twice"));
        assert!(errors[6].contains("unknown key `max_chidren` (did you mean `max_children`?)"));
        assert!(errors[7].contains("unknown partitions `per_core` (did you mean `per_thread`?)"));
        assert_eq!(tree.unwrap().root.children.len(), 3);
    }

    #[test]
    fn a_pool_named_name_would_hide_the_supervisors_name() {
        let (tree, errors) = check("supervisor App { pool name: A; worker w: W; }");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("`App::NAME`"));
        assert_eq!(tree.unwrap().root.children.len(), 1);
    }

    #[test]
    fn reports_every_mistake_at_once() {
        let (_, errors) = check(
            "supervisor App { stratgy: one_for_all, worker db: Db = Db, restart: permament; worker db: Db = Db; }",
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("did you mean `strategy`"));
        assert!(errors[1].contains("did you mean `permanent`"));
        assert!(errors[2].contains("duplicate child name `db`"));
    }

    #[test]
    fn a_syntax_error_skips_one_entry_and_keeps_the_childs_name() {
        let (tree, errors) = check(
            "supervisor App {
                worker a: A = ;
                strategy one_for_all,
                worker b: B = B restart: transient;
                worker c: C = C,
                worker d: D;
                supervisor e Eh { worker x: X; }
                pool f: F, max_children: 2 partitions: 2;
                worker g: G = G::new(1)
                worker h-i: H;
            }",
        );
        let names: Vec<String> = tree
            .unwrap()
            .root
            .children
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(
            names,
            ["a", "b", "c", "d", "e", "f", "g", "h_i"],
            "{errors:?}"
        );
        assert_eq!(errors.len(), 8, "{errors:?}");
        assert!(errors[1].contains("found `strategy`"), "{}", errors[1]);
        assert!(errors[2].starts_with("expected `,` before `restart`"));
        assert!(errors[3].starts_with("expected `;` to end the child `c`, found `,`"));
        assert!(errors[4].contains("`supervisor e: E { … }`"));
        assert!(errors[5].starts_with("expected `,` before `partitions`"));
        assert!(errors[6].starts_with("expected `;` to end the child `g`"));
        assert!(errors[7].contains("write `h_i`"));
    }

    #[test]
    fn the_expansion_after_a_syntax_error_keeps_the_types() {
        let out = supervision_tree(
            "supervisor App { worker a: A = A::new(,); worker b: B; }"
                .parse()
                .unwrap(),
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("enum AppChild"), "{out}");
        assert!(out.contains("fn b (self"), "{out}");
    }

    #[test]
    fn drops_what_it_reports_so_the_expansion_stays_valid() {
        let (tree, errors) =
            check("supervisor App { worker a: A = A; worker a: A = A; worker B: B = B; }");
        assert_eq!(errors.len(), 2);
        assert_eq!(tree.unwrap().root.children.len(), 1);
    }

    #[test]
    fn checks_sibling_references() {
        let (_, errors) = check(
            "supervisor App { strategy: rest_for_one, worker a: A = A, depends_on: [b, a, zz]; worker b: B = B; }",
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("declared after it"));
        assert!(errors[1].contains("cannot depend on itself"));
        assert!(errors[2].contains("no sibling named `zz`"));
    }

    #[test]
    fn generated_code_names_only_the_given_crate_path() {
        let out = supervision_tree(format!("crate = renamed; {FULL}").parse().unwrap()).to_string();
        assert!(out.contains("renamed :: SupervisorSpec"));
        assert!(!out.contains("supervisor ::"), "{out}");
        let default = supervision_tree(FULL.parse().unwrap()).to_string();
        assert!(default.contains(":: supervisor :: SupervisorSpec"));
    }

    #[test]
    fn the_let_form_binds_a_builder_in_place() {
        let out =
            supervision_tree(format!("let app = {};", FULL.trim()).parse().unwrap()).to_string();
        assert!(out.contains("let mut app = AppBuilder :: __new"));
        assert!(
            !out.contains("fn builder"),
            "values are evaluated where the tree is declared"
        );
    }

    const RESILIENT: &str = r#"
        supervisor App {
            auto_shutdown: any_significant,
            backoff: fixed 1s,
            worker db: Db = Db::new(), restart: transient,
                backoff: exponential 100ms to 30s jitter full reset 1m,
                quarantine: 3 within 1m, heartbeat: 5s, start_timeout: 10s;
            worker job: Job = Job::new(), restart: temporary, significant;
            pool conns: Conn, backoff: none, heartbeat: 2s, start_timeout: 3s;
            supervisor web: Web {
                auto_shutdown: all_significant,
                backoff: exponential 1s to 1s jitter decorrelated,
                restart: transient,
                significant,
                worker w: W = W::new(), restart: transient, significant: true;
            }
        }
    "#;

    #[test]
    fn expands_the_resilience_options_to_their_builder_calls_and_docs() {
        let (_, errors) = check(RESILIENT);
        assert!(errors.is_empty(), "{errors:?}");
        let out = supervision_tree(RESILIENT.parse().unwrap()).to_string();
        // The worker's and the pool's (its instances').
        assert_eq!(out.matches(". heartbeat (").count(), 2, "{out}");
        assert_eq!(out.matches(". start_timeout (").count(), 2, "{out}");
        for expected in [
            ". auto_shutdown (:: supervisor :: AutoShutdown :: AnySignificant)",
            ". backoff (:: supervisor :: Backoff :: fixed (",
            ". backoff (:: supervisor :: Backoff :: exponential (",
            ". jitter (:: supervisor :: Jitter :: Full) . reset_after (",
            ". quarantine (3u32 ,",
            ". heartbeat (",
            ". start_timeout (",
            ". significant (true)",
            ". backoff (:: supervisor :: Backoff :: NONE)",
            ". jitter (:: supervisor :: Jitter :: Decorrelated)",
            ". auto_shutdown (:: supervisor :: AutoShutdown :: AllSignificant)",
        ] {
            assert!(out.contains(expected), "{expected} not in {out}");
        }
        // The docs' table: backoff (own, or the supervisor's default), significance, quarantine.
        assert!(
            out.contains("| exponential 100ms to 30s, jitter full, reset 1m | — | 3 within 1m |"),
            "{out}"
        );
        assert!(
            out.contains("| fixed 1s (`App`'s default) | yes |"),
            "{out}"
        );
        assert!(
            out.contains("| 3 within 1m | heartbeat 5s, start 10s |"),
            "{out}"
        );
        assert!(
            out.contains("| instances: none | — | — | instances: heartbeat 2s, start 3s |"),
            "{out}"
        );
        assert!(out.contains("web: Web  (one_for_one, 1 within 5s, auto_shutdown all_significant)  [transient; significant]"), "{out}");
    }

    #[test]
    fn mutated_declarations_never_panic_and_always_give_code_or_errors() {
        let valid = [
            FULL.to_owned(),
            format!("let app = {};", FULL.trim()),
            RESILIENT.to_owned(),
            "crate = krate; supervisor S { intensity: 0 within 1ms, worker w: W; }".to_owned(),
            "supervisor S { strategy: rest_for_one, pool p: P, max_children: 3, intensity: 2 within 1s, restart: transient, shutdown: brutal, partitions: 2; worker w: W, depends_on: [p]; }".to_owned(),
        ];
        let mut checked = 0;
        for source in &valid {
            let input: TokenStream = source.parse().unwrap();
            for mutant in crate::mutate::mutations(&input) {
                let shown = mutant.to_string();
                let out = std::panic::catch_unwind(|| supervision_tree(mutant))
                    .unwrap_or_else(|_| panic!("the macro panicked on: {shown}"));
                // Items and statements (a `compile_error!` is one), never garbage.
                let parsed = syn::parse::Parser::parse2(syn::Block::parse_within, out.clone());
                assert!(parsed.is_ok(), "unparsable output for {shown}: {out}");
                assert!(!out.is_empty(), "no output for {shown}");
                checked += 1;
            }
        }
        assert!(checked > 500, "only {checked} mutants");
    }
}
