import { type RefObject, useEffect, useState } from 'react';

/** True once the element has come within `margin` of the viewport; stays true after. */
export function useVisible(ref: RefObject<Element | null>, margin = '300px'): boolean {
  const [visible, setVisible] = useState(false);
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
