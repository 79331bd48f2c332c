import { type RefObject, useEffect, useState } from 'react';

/**
 * True once the element has come within `margin` of the viewport; stays true after. `initially` skips the wait
 * for elements known to start in view (the first charts of a page), saving a frame before their fetch starts.
 */
export function useVisible(ref: RefObject<Element | null>, margin = '300px', initially = false): boolean {
  const [visible, setVisible] = useState(initially);
  useEffect(() => {
    const el = ref.current;
    if (!el || visible) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setVisible(true);
      },
      { rootMargin: margin },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [ref, margin, visible]);
  return visible;
}
