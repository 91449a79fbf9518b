// `npx jest` at the root runs every project's suite (Nx runs them one project at a time).
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
