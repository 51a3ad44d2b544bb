/** Vite bundles the stylesheets the apps import for their side effects. */
declare module '*.css' {}
