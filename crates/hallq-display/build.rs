//! Compiles the wall display's view and the LED strip emulator's (ui/display/) with their Chinese
//! translation bundled in the binary.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("../../ui/translations")
        // One msgid per text, whichever component shows it.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        // The UI tests find elements by their accessible labels, which needs the element tree's
        // debug info (a few kB in the binary).
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("../../ui/display/display.slint", config) {
        panic!("ui/display/display.slint does not compile: {e}");
    }
    println!("cargo:rerun-if-changed=../../ui/translations");
    println!("cargo:rerun-if-changed=../../ui/common");
    println!("cargo:rerun-if-changed=../../ui/display");
}
