//! `supervision_tree!`: parse → model → validate → expand.

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
            supervisor web: Web {
                strategy: one_for_all,
                restart: temporary,
                depends_on: [db],
                worker acceptor: Acceptor;
                worker conn: Conn = Conn::new(), depends_on: [acceptor];
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
        assert_eq!(names, ["db", "cache", "web"]);
        let model::Child::Worker(cache) = &root.children[1] else {
            panic!()
        };
        assert!(matches!(cache.value, Some(model::Value::Factory(_))));
        assert!(matches!(
            cache.opts.shutdown,
            Some((model::Shutdown::Brutal, _))
        ));
        let model::Child::Supervisor(web) = &root.children[2] else {
            panic!()
        };
        assert!(web.opts.restart.map(|(r, _)| r) == Some(model::Restart::Temporary));
        let model::Child::Worker(acceptor) = &web.children[0] else {
            panic!()
        };
        assert!(acceptor.value.is_none() && acceptor.ty.is_some());
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

    #[test]
    fn mutated_declarations_never_panic_and_always_give_code_or_errors() {
        let valid = [
            FULL.to_owned(),
            format!("let app = {};", FULL.trim()),
            "crate = krate; supervisor S { intensity: 0 within 1ms, worker w: W; }".to_owned(),
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
