//! Placeholder library target; the end-to-end suite lives in `e2e/`.
