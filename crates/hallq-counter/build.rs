//! Compiles the counter terminal's and the evaluator's views (ui/counter/) with their Chinese
//! translation bundled in the binary.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("../../ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("../../ui/counter/app.slint", config) {
        panic!("ui/counter/app.slint does not compile: {e}");
    }
    println!("cargo:rerun-if-changed=../../ui/translations");
    println!("cargo:rerun-if-changed=../../ui/common");
}
