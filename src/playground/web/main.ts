/** The playground page's entry: the Teams-like client, or the card gallery with `?view=gallery`. */
import { startApp } from './app';
import { startGallery } from './gallery';

const root = document.getElementById('app');
if (root) {
  if (new URLSearchParams(location.search).get('view') === 'gallery') {
    startGallery(root);
  } else {
    startApp(root).then(
      () => { document.body.dataset.ready = 'true'; },
      (err: unknown) => {
        root.textContent = `The playground could not start: ${err instanceof Error ? err.message : String(err)}`;
        console.error(err);
      },
    );
  }
}
