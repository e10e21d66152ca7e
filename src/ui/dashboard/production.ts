// React's development build checks every render and costs the coordinator's thread several
// times what the production build does, per frame. Import this module before anything that
// loads react or ink: ESM runs imports in order, so it is set before react reads it. An
// explicit NODE_ENV is left as it is.
process.env.NODE_ENV ??= 'production';
