#include "ionspike/version.hpp"

namespace ionspike {

const char* version() { return IONSPIKE_VERSION; }

}  // namespace ionspike
