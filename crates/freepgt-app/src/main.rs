fn main() {
    freepgt_app::run();
}
