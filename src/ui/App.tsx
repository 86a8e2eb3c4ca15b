import { ClassesPanel } from './components/ClassesPanel';
import { CurvesPanel } from './components/CurvesPanel';
import { DataPanel } from './components/DataPanel';
import { Header } from './components/Header';
import { LayersPanel } from './components/LayersPanel';
import { ProgressBar } from './components/ProgressBar';
import { PrunePanel } from './components/PrunePanel';
import { RetrainPanel } from './components/RetrainPanel';
import { RunsPanel } from './components/RunsPanel';
import { StudioContext } from './state/context';
import type { Studio } from './state/studio';

export function App({ studio }: { studio: Studio }) {
  return (
    <StudioContext.Provider value={studio}>
      <div className="app">
        <Header />
        <main className="layout">
          <div className="col-data">
            <DataPanel />
          </div>
          <div className="col-work">
            <ProgressBar />
            {/* One column up to wide screens; side by side there (see .results in styles.css). */}
            <div className="results">
              <div className="results-main">
                <PrunePanel />
                <RetrainPanel />
                <ClassesPanel />
              </div>
              <div className="results-side">
                <CurvesPanel />
                <LayersPanel />
                <RunsPanel />
              </div>
            </div>
          </div>
        </main>
        <footer className="footer">
          SiPP: Baykal, Liebenwein, Gilitschenski, Feldman, Rus, <cite>SiPPing Neural Networks</cite> (arXiv
          1910.05422). Demo digits: MNIST, LeCun, Cortes and Burges (CC BY-SA 3.0). Everything runs in this
          tab; no file leaves your computer.
        </footer>
      </div>
    </StudioContext.Provider>
  );
}
