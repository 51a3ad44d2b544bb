import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './hub/store/schema.ts',
  out: './hub/store/migrations',
});
