//! Handing freed memory back to the system between phases.
//!
//! Loading moves every document out of its file's small list into one large list per kind,
//! and resolving moves subscriptions' resources into the model the same way. The small lists
//! are freed, but glibc's allocator keeps freed memory inside its heap for reuse rather than
//! returning it (it trims only the top of the heap), so at Azure's limits tens of MB of freed
//! lists stayed resident for the rest of the run and counted in its peak.

/// Returns the allocator's free memory to the system where the allocator keeps it (glibc);
/// elsewhere nothing. It costs a walk over the heap's free lists, a few milliseconds at
/// Azure's limits, so it is called between phases, not in loops.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            /// glibc's `malloc_trim(3)`: releases free memory from every arena, the middle of
            /// the heap included (since glibc 2.8), and returns 1 if any was released.
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes no pointers and only changes which free pages the
        // allocator keeps; it is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}
