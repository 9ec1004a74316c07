//! The npm package's memory allocator: power-of-two size classes, one free
//! list each, carved from memory the module grows. Why not the default
//! (dlmalloc): it is about 6 KB of the package; this is a few hundred bytes
//! and as fast for what the core does (many small strings, a few buffers
//! that are reused).
//!
//! The cost is memory: a block is up to twice what was asked, and freed
//! blocks are reused only for their own class, never merged. A client
//! repeats the same pattern (a snapshot, messages, another snapshot), so what
//! one step frees the next one reuses.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// Classes 2^3 .. 2^31 bytes; every block is 16-byte aligned.
const CLASSES: usize = 32;
const MIN_CLASS: u32 = 3;
const ALIGN: usize = 16;
const PAGE: usize = 65536;

struct State {
    /// Head of each class's free list; a free block's first word is the next.
    free: [usize; CLASSES],
    /// Unused memory from `next` to `end`.
    next: usize,
    end: usize,
}

pub struct SizeClasses(UnsafeCell<State>);

// SAFETY: wasm32 without threads: one caller at a time.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    pub const fn new() -> SizeClasses {
        SizeClasses(UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }))
    }
}

/// The class of a layout: the smallest power of two that holds it.
fn class(layout: &Layout) -> usize {
    let size = layout.size().max(1 << MIN_CLASS);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let c = class(&layout);
        if layout.align() > ALIGN || c >= CLASSES {
            return core::ptr::null_mut();
        }
        // SAFETY: single-threaded (see `Sync`), and no allocation re-enters.
        let s = unsafe { &mut *self.0.get() };
        let head = s.free[c];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word
            // was written by `dealloc`.
            s.free[c] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << c;
        let start = (s.next + ALIGN - 1) & !(ALIGN - 1);
        if start.checked_add(size).is_none_or(|e| e > s.end) {
            let pages = size.div_ceil(PAGE) + 1;
            let before = core::arch::wasm32::memory_grow(0, pages);
            if before == usize::MAX {
                return core::ptr::null_mut();
            }
            let grown = before * PAGE;
            // Memory grown right after the unused rest extends it.
            if grown != s.end {
                s.next = grown;
            }
            s.end = grown + pages * PAGE;
            return unsafe { self.alloc(layout) };
        }
        s.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let c = class(&layout);
        // SAFETY: as in `alloc`; the block is at least one word long.
        let s = unsafe { &mut *self.0.get() };
        unsafe { *(ptr as *mut usize) = s.free[c] };
        s.free[c] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's layout rules carry over to the new layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(&new_layout) == class(&layout) {
            return ptr;
        }
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
