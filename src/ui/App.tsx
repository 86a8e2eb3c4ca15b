export function App() {
  return (
    <main>
      <h1>SiPP Studio</h1>
      <p>Sensitivity-informed provable pruning for TensorFlow.js models. The app is being built.</p>
    </main>
  );
}
