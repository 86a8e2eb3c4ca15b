import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Studio } from './state/studio';
import './styles.css';

// One controller for the page's life (outside React, so StrictMode's double effects cannot start
// a second engine).
const studio = new Studio(window.location.search);
void studio.boot();
// ?debug exposes the controller, for end-to-end tests of what a user cannot click (a lost GPU).
if (new URLSearchParams(window.location.search).has('debug'))
  (window as unknown as { sippStudio: Studio }).sippStudio = studio;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App studio={studio} />
  </StrictMode>,
);
