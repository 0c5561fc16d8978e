//! The SDK's allocator inside WebAssembly: power-of-two size classes with a free list
//! each, over pages taken with memory.grow. Rust's default allocator on
//! wasm32-unknown-unknown (dlmalloc) costs about 180 ns an allocation and free under the
//! host's engine, which made a hello request's few dozen allocations most of its time;
//! a size class's free list pops and pushes in a few instructions. Freed blocks are
//! reused by their class, so memory stays bounded by about twice what a call holds at
//! once. Memory is never returned to the host (WebAssembly cannot shrink memory).
//!
//! Build with `--cfg greenroom_system_alloc` to keep Rust's default allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

const CLASSES: usize = 32;
const MIN_SHIFT: u32 = 3; // 8 bytes
const PAGE: usize = 65536;

pub struct Allocator {
    state: UnsafeCell<State>,
}

struct State {
    free: [usize; CLASSES], // the head of each class's free list (0: empty)
    next: usize,            // the bump pointer within the current region
    end: usize,
}

// wasm32-unknown-unknown has one thread.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub const fn new() -> Allocator {
        Allocator { state: UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }) }
    }
}

fn class(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    (usize::BITS - (size - 1).leading_zeros() - MIN_SHIFT) as usize
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.state.get();
        let c = class(&layout);
        if c >= CLASSES || layout.align() > PAGE {
            return std::ptr::null_mut();
        }
        let head = s.free[c];
        if head != 0 {
            s.free[c] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << (c as u32 + MIN_SHIFT);
        // A block of class c is aligned to its size (up to a page), so any alignment a
        // layout of that size asks for holds.
        let align = size.min(PAGE);
        let mut p = (s.next + align - 1) & !(align - 1);
        if p + size > s.end || s.end == 0 {
            let pages = (size + PAGE - 1) / PAGE;
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return std::ptr::null_mut();
            }
            let start = old * PAGE;
            if start != s.end {
                // Not contiguous with the current region (someone else grew memory):
                // start a new region; the rest of the old one is abandoned.
                s.next = start;
            }
            s.end = start + pages * PAGE;
            p = (s.next + align - 1) & !(align - 1);
            if p + size > s.end {
                return std::ptr::null_mut();
            }
        }
        s.next = p + size;
        p as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let s = &mut *self.state.get();
        let c = class(&layout);
        *(ptr as *mut usize) = s.free[c];
        s.free[c] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        if class(&new) == class(&layout) {
            return ptr;
        }
        let p = self.alloc(new);
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[cfg(all(target_arch = "wasm32", not(greenroom_system_alloc)))]
#[global_allocator]
static ALLOCATOR: Allocator = Allocator::new();
