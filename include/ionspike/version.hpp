// The library's version, "MAJOR.MINOR.PATCH" (the CMake package version).
#pragma once

namespace ionspike {

const char* version();

}  // namespace ionspike
