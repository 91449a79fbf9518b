// eslint-disable-next-line @nx/enforce-module-boundaries -- the project config extends the root one; it is not code of the lib
import baseConfig from '../../eslint.config.mjs';

export default [...baseConfig];
