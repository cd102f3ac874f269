/// Placeholder so the target builds; the engine lives in this module.
enum CommModule {}
