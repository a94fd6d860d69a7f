// Recommendations with their reasons, from a history kept in this browser.
import { createRecommender } from 'hearth-recommender';

const rec = await createRecommender({ bundle: './catalog.hearth', onWarning: console.warn });
const list = document.querySelector('#list');

async function render() {
  const items = await rec.recommend({ k: 8 });
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    const title = document.createElement('bdi');
    title.textContent = item.title;
    const like = document.createElement('button');
    like.textContent = 'Like';
    like.addEventListener('click', async () => { await rec.record({ type: 'like', item: item.id }); render(); });
    const why = document.createElement('small');
    why.textContent = item.because.length ? ` because you liked ${item.because.map((r) => r.title).join(' and ')}` : ' popular';
    li.append(title, ' ', like, why);
    return li;
  }));
  document.body.dataset.ready = 'true';
}

rec.subscribe(render);  // another tab's likes change this list too
render();
