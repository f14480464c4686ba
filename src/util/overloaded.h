// The usual visitor helper for std::visit: one lambda per alternative.
#pragma once

namespace rcds {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace rcds
